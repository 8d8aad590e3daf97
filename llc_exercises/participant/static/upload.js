// The browser half of carry.UploadButton: a real <button> labelled "Upload answers" (ipywidgets'
// FileUpload adds a file count), which opens the file chooser and sends the chosen file's bytes to
// the kernel; the kernel side sets `value` as FileUpload would.
function render({ model, el }) {
  const input = Object.assign(document.createElement("input"), { type: "file", hidden: true });
  input.accept = model.get("accept");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "jupyter-button widget-button llc-upload";
  button.style.width = "max-content";
  button.textContent = model.get("description");
  button.title = model.get("tooltip");
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const content = await file.arrayBuffer();
    model.send({ name: file.name, type: file.type, size: file.size, last_modified: file.lastModified },
               undefined, [content]);  // send(content, callbacks, buffers)
    input.value = "";  // the same file can be chosen again
  });
  el.style.overflow = "visible";
  el.append(button, input);
}
export default { render };
