// The index's download links work as plain links (the file arrives as an attachment once built);
// with scripts, a click fetches the file instead, so the page can say it is building and, after,
// how many pages arrived or what went wrong.
for (const link of document.querySelectorAll("a.download")) {
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    if (link.getAttribute("aria-disabled") === "true") return;
    const status = document.getElementById(link.dataset.status);
    const name = link.dataset.filename;
    link.setAttribute("aria-disabled", "true");
    status.classList.remove("failed");
    status.textContent = link.dataset.working;
    try {
      let response;
      try {
        response = await fetch(link.href, { cache: "no-store" });
      } catch (_) {
        throw new Error("Not downloaded: the app is not answering. Start it again (llc app, or make app), "
                        + "reload this page and press the button again.");
      }
      if (!response.ok) throw new Error(await response.text());
      const url = URL.createObjectURL(await response.blob());
      const save = Object.assign(document.createElement("a"), { href: url, download: name });
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      const pages = response.headers.get("X-LLC-Pages");
      status.textContent = `Downloaded ${name}` + (pages ? `, ${pages} page${pages === "1" ? "" : "s"}` : "")
        + ". Look for it in your browser's downloads.";
    } catch (error) {
      status.classList.add("failed");
      status.textContent = error.message;
    } finally {
      link.removeAttribute("aria-disabled");
    }
  });
}
