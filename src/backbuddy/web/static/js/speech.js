// Spoken cues through the Web Speech API, with a mute switch. Captions never depend on it.

export class Speech {
  constructor(button) {
    this.button = button;
    this.synth = "speechSynthesis" in window ? window.speechSynthesis : null;
    this.muted = localStorage.getItem("backbuddy-muted") === "1";
    this.render();
    button.addEventListener("click", () => {
      this.muted = !this.muted;
      localStorage.setItem("backbuddy-muted", this.muted ? "1" : "0");
      if (this.muted) this.cancel();
      this.render();
    });
  }

  render() {
    this.button.setAttribute("aria-pressed", String(this.muted));
    this.button.textContent = this.muted ? "Voice off" : "Voice on";
  }

  say(text, urgent = false) {
    if (!this.synth || this.muted || !text) return;
    if (urgent) this.synth.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.rate = 0.9;
    this.synth.speak(utterance);
  }

  cancel() {
    if (this.synth) this.synth.cancel();
  }
}
