// Signature capture on a canvas (mouse, pen or finger). The strokes are sent as JSON points in
// canvas coordinates; the server checks there is real ink and draws them back as SVG.
document.querySelectorAll("[data-signature]").forEach((box) => {
  const canvas = box.querySelector("canvas");
  const field = box.querySelector("input[type=hidden]");
  const clear = box.querySelector("[data-signature-clear]");
  const context = canvas.getContext("2d");
  const strokes = [];
  let current = null;

  const point = (event) => {
    const rect = canvas.getBoundingClientRect();
    return [
      Math.round(((event.clientX - rect.left) * canvas.width) / rect.width * 10) / 10,
      Math.round(((event.clientY - rect.top) * canvas.height) / rect.height * 10) / 10,
    ];
  };
  const save = () => { field.value = JSON.stringify(strokes); };

  context.lineWidth = 2.5;
  context.lineCap = "round";
  context.strokeStyle = "#1c2430";
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const [x, y] = point(event);
    const [px, py] = current[current.length - 1];
    context.beginPath();
    context.moveTo(px, py);
    context.lineTo(x, y);
    context.stroke();
    current.push([x, y]);
  });
  const end = () => { if (current) { current = null; save(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => {
    strokes.length = 0;
    context.clearRect(0, 0, canvas.width, canvas.height);
    save();
  });
});
