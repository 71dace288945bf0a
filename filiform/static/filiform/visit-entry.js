// The needling session on the visit page: tap a muscle or trigger point on the body chart (or
// find it by name) to fill the insertion form; in quick mode the tap adds the insertion at once
// (the needle, depth and technique are kept from the last one). Enter adds from any field.
// Works with the page's htmx: the entry form and the list come back after each insertion, the
// chart stays. Same conventions as bodychart.js (data-muscle, data-side, data-tp).
(() => {
  let busy = false; // an insertion is on its way
  let keyboard = false; // the last submit came from the keyboard: put the focus back in the search
  const queue = []; // taps made while busy, in quick mode

  const chart = () => document.querySelector("[data-charting-chart]");
  const entry = () => document.querySelector("[data-entry-form]");
  const info = () => {
    const node = document.getElementById("muscle-info");
    if (!node) return {};
    if (!node._parsed) node._parsed = JSON.parse(node.textContent);
    return node._parsed;
  };
  const quick = () => {
    const box = document.querySelector("[data-quick]");
    return Boolean(box && box.checked);
  };

  function paint() {
    const root = chart();
    const form = entry();
    if (!root) return;
    root.querySelectorAll(".muscle.selected, .tp.selected").forEach((n) => n.classList.remove("selected"));
    root.querySelectorAll(".muscle.needled").forEach((n) => n.classList.remove("needled"));
    document.querySelectorAll("[data-needled]").forEach((row) => {
      const [slug, side] = row.dataset.needled.split(":");
      root.querySelectorAll(`.muscle[data-muscle="${slug}"][data-side="${side}"]`).forEach((p) => p.classList.add("needled"));
    });
    if (!form) return;
    const slug = form.elements.muscle.value;
    if (!slug) return;
    const checked = form.querySelector('input[name="side"]:checked');
    const side = checked && checked.value ? checked.value : "midline";
    root.querySelectorAll(`.muscle[data-muscle="${slug}"][data-side="${side}"]`).forEach((p) => p.classList.add("selected"));
    const tp = form.elements.trigger_point.value;
    if (tp) root.querySelectorAll(`.tp[data-muscle="${slug}"][data-side="${side}"][data-tp="${tp}"]`).forEach((p) => p.classList.add("selected"));
  }

  function describe() {
    const form = entry();
    const root = chart();
    const note = document.getElementById("muscle-note");
    if (!form || !note || !root) return;
    const muscle = info()[form.elements.muscle.value];
    note.replaceChildren();
    if (!muscle) return;
    const parts = [];
    if (muscle.note) parts.push(muscle.note);
    if (muscle.thorax && !muscle.note) parts.push(root.dataset.thorax);
    note.append(parts.join(" "));
    if (muscle.depth) {
      const strong = document.createElement("strong");
      strong.textContent = " " + muscle.depth;
      note.append(strong);
    }
    if (muscle.levels && muscle.levels.length) {
      const small = document.createElement("small");
      small.textContent = " " + root.dataset.levels.replace("%(first)s", muscle.levels[0]).replace("%(last)s", muscle.levels[muscle.levels.length - 1]);
      note.append(small);
    }
    if (muscle.thorax && muscle.note) {
      const small = document.createElement("small");
      small.textContent = " " + root.dataset.thorax;
      note.append(small);
    }
  }

  function estim() {
    const form = entry();
    if (!form) return;
    const box = form.querySelector("[data-estim]");
    if (box) box.hidden = form.elements.technique.value !== "electrical";
  }

  function fill(slug, side, tp) {
    const form = entry();
    if (!form) return false;
    form.elements.muscle.value = slug;
    const wanted = side && side !== "midline" ? side : "";
    form.querySelectorAll('input[name="side"]').forEach((r) => (r.checked = r.value === wanted));
    form.elements.trigger_point.value = tp || "";
    describe();
    paint();
    return true;
  }

  function pick(slug, side, tp) {
    if (quick() && busy) {
      queue.push([slug, side, tp]);
      return;
    }
    if (!fill(slug, side, tp)) return;
    const form = entry();
    if (quick() && form.elements.depth_mm.value) {
      keyboard = false;
      form.requestSubmit();
    } else if (!form.elements.depth_mm.value) {
      form.elements.depth_mm.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const root = chart();
    if (event.target.closest("[data-entry-form] button[type=submit]")) keyboard = event.detail === 0;
    const view = event.target.closest("[data-show-view]");
    if (view && root) {
      root.dataset.show = view.dataset.showView;
      return;
    }
    const found = event.target.closest("#entry-found [data-select]");
    if (found) {
      const [slug, side] = found.dataset.select.split(":");
      keyboard = event.detail === 0; // a button pressed with Enter reports no clicks
      pick(slug, side || "midline", "");
      if (keyboard && !quick()) entry().querySelector('[data-testid="add-insertion"]').focus();
      return;
    }
    if (!root || !root.contains(event.target)) return;
    const target = event.target.closest(".muscle, .tp");
    if (target) pick(target.dataset.muscle, target.dataset.side, target.dataset.tp || "");
  });

  document.addEventListener("change", (event) => {
    const form = entry();
    if (!form || !form.contains(event.target)) return;
    if (event.target.name === "muscle") {
      const muscle = info()[event.target.value];
      if (muscle && !muscle.paired) fill(event.target.value, "midline", "");
      form.elements.trigger_point.value = "";
      describe();
    }
    if (event.target.name === "technique") estim();
    paint();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const search = event.target.closest("[data-muscle-find]");
    if (search) {
      event.preventDefault();
      const first = document.querySelector("#entry-found [data-select]");
      if (first) first.focus();
      return;
    }
    const form = entry();
    if (!form || !form.contains(event.target)) return;
    keyboard = true;
    if (event.target.tagName === "SELECT" || event.target.type === "radio" || event.target.type === "checkbox") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.closest && event.target.closest("#session-live")) busy = true;
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.target.closest && !event.detail.successful) busy = false;
  });

  function settle() {
    busy = false;
    const root = chart();
    if (root) root.classList.add("js");
    describe();
    estim();
    paint();
    const form = entry();
    if (!form) return;
    const justify = form.querySelector("[data-needs-justification] textarea");
    const failed = form.querySelector(".errors, .field-error");
    if (justify) justify.focus();
    else if (queue.length && !failed) pick(...queue.shift());
    else if (keyboard) document.getElementById("muscle-find")?.focus();
    if (failed) queue.length = 0;
  }
  document.body.addEventListener("htmx:afterSettle", settle);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", settle);
  else settle();
})();
