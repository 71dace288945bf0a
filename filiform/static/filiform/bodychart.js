// The body chart: tap muscles to select them (left/right from where you tap), see their referral
// zones, mark painful areas to find the muscles that refer there, and zoom (buttons, wheel, pinch).
(() => {
  const root = document.querySelector("[data-body-chart]");
  if (!root) return;
  const selected = new Map(); // "slug:side" -> {slug, side}
  const pain = new Map(); // "zone:side" -> label
  let mode = "select";
  let moved = false; // a drag or pinch just ended: the click that follows is not a tap

  const keyOf = (name, side) => (side && side !== "midline" ? `${name}:${side}` : name);
  const sideWord = (side) => (side && side !== "midline" ? ` (${side})` : "");

  function zoneLabels() {
    const labels = {};
    root.querySelectorAll(".zone").forEach((z) => (labels[z.dataset.zone] = z.dataset.label));
    return labels;
  }
  const labels = zoneLabels();

  function paintSelection() {
    root.querySelectorAll(".muscle.selected, .tp.selected").forEach((m) => m.classList.remove("selected"));
    root.querySelectorAll(".zone.referral").forEach((z) => z.classList.remove("referral"));
    for (const { slug, side } of selected.values()) {
      const paths = root.querySelectorAll(`.muscle[data-muscle="${slug}"][data-side="${side}"]`);
      paths.forEach((p) => p.classList.add("selected"));
      root.querySelectorAll(`.tp[data-muscle="${slug}"][data-side="${side}"]`).forEach((t) => t.classList.add("selected"));
      const referral = paths.length ? paths[0].dataset.referral.split(" ").filter(Boolean) : [];
      for (const zone of referral) {
        root.querySelectorAll(`.zone[data-zone="${zone}"]`).forEach((z) => {
          if (z.dataset.side === side || z.dataset.side === "midline" || side === "midline") {
            z.classList.add("referral");
          }
        });
      }
    }
    const list = document.getElementById("selected");
    list.replaceChildren();
    if (!selected.size) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = list.dataset.empty;
      list.append(li);
    }
    for (const [key, { slug, side }] of selected) {
      const path = root.querySelector(`.muscle[data-muscle="${slug}"][data-side="${side}"]`);
      const li = document.createElement("li");
      li.dataset.key = key;
      const name = document.createElement("strong");
      name.textContent = (path ? path.dataset.name : slug) + sideWord(side);
      const zones = path ? path.dataset.referral.split(" ").filter(Boolean) : [];
      const refers = document.createElement("small");
      refers.className = "muted";
      refers.textContent = zones.length ? ` ${list.dataset.refers}: ${zones.map((z) => labels[z] || z).join(", ")}` : "";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = list.dataset.remove;
      remove.addEventListener("click", () => {
        selected.delete(key);
        paintSelection();
      });
      li.append(name, refers, " ", remove);
      list.append(li);
    }
  }

  function toggleMuscle(slug, side, only = false) {
    const key = keyOf(slug, side);
    if (selected.has(key) && !only) selected.delete(key);
    else selected.set(key, { slug, side: side || "midline" });
    paintSelection();
  }

  function paintPain() {
    root.querySelectorAll(".zone.pain").forEach((z) => z.classList.remove("pain"));
    for (const key of pain.keys()) {
      const [zone, side = "midline"] = key.split(":");
      root.querySelectorAll(`.zone[data-zone="${zone}"][data-side="${side}"]`).forEach((z) => z.classList.add("pain"));
    }
    const list = document.getElementById("pain-areas");
    list.replaceChildren();
    if (!pain.size) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = list.dataset.empty;
      list.append(li);
    }
    for (const label of pain.values()) {
      const li = document.createElement("li");
      li.textContent = label;
      list.append(li);
    }
    const query = [...pain.keys()].map((k) => `zones=${encodeURIComponent(k)}`).join("&");
    const target = document.getElementById("pain-results");
    if (!pain.size) {
      target.replaceChildren();
      return;
    }
    fetch(`${root.dataset.painUrl}?${query}`, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        target.innerHTML = html; // our own server-rendered, escaped fragment
      });
  }

  root.addEventListener("change", (event) => {
    if (event.target.name === "mode") {
      mode = event.target.value;
      root.classList.toggle("mode-pain", mode === "pain");
    }
  });

  root.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-select]");
    if (pick) {
      const [slug, side] = pick.dataset.select.split(":");
      toggleMuscle(slug, side || "midline", true);
      return;
    }
    const zoom = event.target.closest("[data-zoom]");
    if (zoom) {
      root.querySelectorAll(".chart-frame svg").forEach((svg) => zoomBy(svg, zoom.dataset.zoom));
      return;
    }
    if (moved) return; // the end of a drag or pinch is not a tap
    if (mode === "pain") {
      const zone = event.target.closest(".zone");
      if (!zone) return;
      const key = keyOf(zone.dataset.zone, zone.dataset.side);
      if (pain.has(key)) pain.delete(key);
      else pain.set(key, zone.dataset.label + sideWord(zone.dataset.side));
      paintPain();
      return;
    }
    const target = event.target.closest(".muscle, .tp");
    if (target) toggleMuscle(target.dataset.muscle, target.dataset.side);
  });

  // --- zoom and pan: buttons, wheel, one-finger drag, two-finger pinch ----------------------
  const FULL = [0, 0, 400, 900];
  const box = (svg) => (svg.getAttribute("viewBox") || FULL.join(" ")).split(/\s+/).map(Number);
  const setBox = (svg, [x, y, w, h]) => {
    w = Math.min(Math.max(w, 60), FULL[2]);
    h = (w * FULL[3]) / FULL[2];
    x = Math.min(Math.max(x, 0), FULL[2] - w);
    y = Math.min(Math.max(y, 0), FULL[3] - h);
    svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
  };
  function zoomAt(svg, factor, cx, cy) {
    const [x, y, w, h] = box(svg);
    const nw = w / factor;
    const nh = h / factor;
    setBox(svg, [cx - ((cx - x) * nw) / w, cy - ((cy - y) * nh) / h, nw, nh]);
  }
  function zoomBy(svg, how) {
    if (how === "reset") return svg.setAttribute("viewBox", FULL.join(" "));
    const [x, y, w, h] = box(svg);
    zoomAt(svg, how === "in" ? 1.4 : 1 / 1.4, x + w / 2, y + h / 2);
  }
  function toChart(svg, clientX, clientY) {
    const rect = svg.getBoundingClientRect();
    const [x, y, w, h] = box(svg);
    return [x + ((clientX - rect.left) / rect.width) * w, y + ((clientY - rect.top) / rect.height) * h];
  }
  root.querySelectorAll(".chart-frame svg").forEach((svg) => {
    const pointers = new Map();
    let last = null;
    svg.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const [cx, cy] = toChart(svg, event.clientX, event.clientY);
        zoomAt(svg, event.deltaY < 0 ? 1.15 : 1 / 1.15, cx, cy);
      },
      { passive: false },
    );
    svg.addEventListener("pointerdown", (event) => {
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      moved = false;
      last = null;
    });
    svg.addEventListener("pointermove", (event) => {
      if (!pointers.has(event.pointerId)) return;
      const before = pointers.get(event.pointerId);
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      if (pointers.size === 2) {
        const [[ax, ay], [bx, by]] = [...pointers.values()];
        const distance = Math.hypot(ax - bx, ay - by);
        if (last) {
          const [cx, cy] = toChart(svg, (ax + bx) / 2, (ay + by) / 2);
          zoomAt(svg, distance / last, cx, cy);
          moved = true;
        }
        last = distance;
      } else if (pointers.size === 1 && box(svg)[2] < FULL[2]) {
        const dx = event.clientX - before[0];
        const dy = event.clientY - before[1];
        if (Math.abs(dx) + Math.abs(dy) < 2 && !moved) return;
        const rect = svg.getBoundingClientRect();
        const [x, y, w, h] = box(svg);
        setBox(svg, [x - (dx / rect.width) * w, y - (dy / rect.height) * h, w, h]);
        moved = true;
      }
    });
    const end = (event) => {
      pointers.delete(event.pointerId);
      last = null;
      setTimeout(() => (moved = false), 0);
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  });

  // A chart opened with ?select=… starts with that selection.
  root.querySelectorAll(".muscle.selected").forEach((p) => selected.set(keyOf(p.dataset.muscle, p.dataset.side), { slug: p.dataset.muscle, side: p.dataset.side }));
  paintSelection();
  paintPain();
})();
