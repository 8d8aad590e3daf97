// The browser half of downloads.DownloadButton: a real <button> (keyboard and screen readers know
// it), disabled while `busy`; the file that comes back is saved through a temporary link to its bytes.
function render({ model, el }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "jupyter-button widget-button mod-primary llc-download";
  button.style.width = "max-content";  // jupyter-button's fixed width would cut the label
  const draw = () => {
    button.textContent = model.get("description");
    button.disabled = model.get("busy");
    button.setAttribute("aria-disabled", String(model.get("busy")));
  };
  draw();
  model.on("change:description", draw);
  model.on("change:busy", draw);
  button.addEventListener("click", () => { if (!model.get("busy")) model.send({ request: "download" }); });
  model.on("msg:custom", (msg, buffers) => {
    if (msg.reply !== "download" || !buffers.length) return;
    const url = URL.createObjectURL(new Blob(buffers, { type: msg.mime || "application/octet-stream" }));
    const link = Object.assign(document.createElement("a"), { href: url, download: msg.filename });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);  // once the browser has the file
  });
  el.style.overflow = "visible";  // Lumino's default (hidden) would cut off the focus outline
  el.appendChild(button);
}
export default { render };
