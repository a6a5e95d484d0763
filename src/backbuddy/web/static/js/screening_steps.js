// On a phone the screening comes in short steps: a few questions a screen, a progress bar,
// Back and Next. It is still one form, posted once with every answer; the answers stay in
// it as the pair goes back and forth. Without JavaScript, or on a wide screen, it is one page.

const form = document.querySelector("form.screening");
const narrow = window.matchMedia("(max-width: 899px)");

function answered(fieldset) {
  return fieldset.querySelector("input:checked") !== null;
}

class Steps {
  constructor(root) {
    this.form = root;
    this.questions = [...root.querySelectorAll("fieldset.question")];
    // As many screens as `per` a screen needs, the questions shared out evenly among them
    // (25 at 3 a screen: seven screens of 3, two of 2; never a last screen of 1).
    const per = Number(root.dataset.perStep) || 3;
    const count = Math.ceil(this.questions.length / per);
    this.pages = [];
    let start = 0;
    for (let i = 0; i < count; i += 1) {
      const size = Math.ceil((this.questions.length - start) / (count - i));
      this.pages.push(this.questions.slice(start, start + size));
      start += size;
    }
    this.el = (id) => document.getElementById(id);
    this.submit = this.el("see-outcome");
    this.submitHome = this.submit.nextSibling;
    this.index = 0;
    this.on = false;
    this.el("steps-back").addEventListener("click", () => this.go(this.index - 1));
    this.el("steps-next").addEventListener("click", () => this.next());
    root.addEventListener("submit", (e) => {
      if (!this.on) return;
      const missing = this.questions.find((q) => !answered(q));
      if (missing) {
        e.preventDefault();
        this.go(this.pageOf(missing));
        this.check();
      }
    });
    root.addEventListener("change", () => this.el("steps-error").hidden = true);
  }

  pageOf(fieldset) {
    return this.pages.findIndex((page) => page.includes(fieldset));
  }

  // Turn steps on (phone) or off (wide screen: every question on one page).
  set(on) {
    this.on = on;
    this.el("steps-bar").hidden = !on;
    this.el("steps-nav").hidden = !on;
    // On a screen of steps the outcome button sits beside Back; else where the page put it.
    if (on) this.el("steps-nav").append(this.submit);
    else this.form.insertBefore(this.submit, this.submitHome);
    if (!on) {
      for (const q of this.questions) q.hidden = false;
      this.el("see-outcome").hidden = false;
      this.el("steps-error").hidden = true;
      return;
    }
    // After a refused post, start where the first unanswered question is.
    const missing = this.questions.find((q) => q.classList.contains("missing"));
    this.go(missing ? this.pageOf(missing) : this.index, { focus: false });
  }

  go(index, { focus = true } = {}) {
    this.index = Math.max(0, Math.min(index, this.pages.length - 1));
    const page = this.pages[this.index];
    for (const q of this.questions) q.hidden = !page.includes(q);
    const last = this.index === this.pages.length - 1;
    const first = this.questions.indexOf(page[0]) + 1;
    const to = first + page.length - 1;
    this.el("steps-progress").max = this.pages.length;
    this.el("steps-progress").value = this.index + 1;
    const which = first === to ? `question ${first}` : `questions ${first}–${to}`;
    this.el("steps-text").textContent =
      `Step ${this.index + 1} of ${this.pages.length} · ${which} of ${this.questions.length}`;
    this.el("steps-back").disabled = this.index === 0;
    this.el("steps-next").hidden = last;
    this.el("see-outcome").hidden = !last;
    this.el("steps-error").hidden = true;
    if (focus) {
      this.form.scrollIntoView({ block: "start", behavior: "instant" });
      page[0].querySelector("input").focus({ preventScroll: true });
    }
  }

  // Every question on this screen answered? Mark the ones that are not.
  check() {
    const open = this.pages[this.index].filter((q) => !answered(q));
    for (const q of this.pages[this.index]) q.classList.toggle("missing", !answered(q));
    this.el("steps-error").hidden = open.length === 0;
    if (open.length) open[0].querySelector("input").focus();
    return open.length === 0;
  }

  next() {
    if (this.check()) this.go(this.index + 1);
  }
}

if (form) {
  const steps = new Steps(form);
  steps.set(narrow.matches);
  narrow.addEventListener("change", (e) => steps.set(e.matches));
  window.backbuddy = { ...(window.backbuddy || {}), steps };
}
