// The laptop's "Use a phone as the camera" panel (set-up): asks the server for a pairing
// link, shows its QR code, the certificate fingerprint to compare and the one-time trust
// step; follows the phone's status from the session's state (none, paired, streaming) and
// tells the session page when the laptop's own camera must make way or may come back.

const TEXT = {
  none: "No phone is paired.",
  offered: "Scan the code with the phone's camera.",
  paired: "A phone is paired; waiting for its camera…",
  streaming: "The phone is the camera. This laptop's camera is off.",
};

export class PhonePanel {
  // onPhone(paired: bool): the phone became the camera (true) or let go of it (false).
  constructor(root, { onPhone }) {
    this.root = root;
    this.onPhone = onPhone;
    this.panel = document.getElementById("phone-panel");
    this.status = document.getElementById("phone-status");
    this.phone = "none";
    if (!this.panel) return;
    document.getElementById("phone-use").addEventListener("click", () => this.offer());
    document.getElementById("phone-unpair").addEventListener("click", () => this.unpair());
  }

  async post(path) {
    const response = await fetch(`/session/${this.root.dataset.session}/${path}`, {
      method: "POST",
      headers: { Accept: "application/json" },
    });
    return { ok: response.ok, body: await response.json() };
  }

  async offer() {
    const { ok, body } = await this.post("phone");
    this.panel.hidden = false;
    if (!ok) {
      this.status.textContent = body.message;
      return;
    }
    const qr = document.getElementById("phone-qr");
    qr.src = body.qr;
    qr.hidden = false;
    document.getElementById("phone-offer").hidden = false;
    document.getElementById("phone-url").textContent = body.url;
    document.getElementById("phone-https").hidden = !body.https;
    document.getElementById("phone-no-https").hidden = body.https;
    document.getElementById("phone-unreachable").hidden = body.reachable;
    if (body.https) {
      document.getElementById("phone-ca-fingerprint").textContent = body.ca_fingerprint;
      document.getElementById("phone-server-fingerprint").textContent = body.server_fingerprint;
      const ca = document.getElementById("phone-ca-url");
      ca.textContent = body.ca_url;
    }
    if (this.phone === "none") this.status.textContent = TEXT.offered;
  }

  async unpair() {
    await this.post("phone/unpair");
  }

  // The session's state says where the camera is.
  state(phone) {
    if (!phone || phone === this.phone) return;
    const was = this.phone;
    this.phone = phone;
    this.root.dataset.phone = phone;
    if (!this.panel) return;
    this.status.textContent = TEXT[phone];
    document.getElementById("phone-unpair").hidden = phone === "none";
    document.getElementById("phone-use").hidden = phone !== "none";
    // The code is spent once a phone is paired: it pairs nobody else, so it goes.
    document.getElementById("phone-offer").hidden = phone !== "none";
    if (phone !== "none") document.getElementById("phone-qr").hidden = true;
    if (was === "none" && phone !== "none") this.onPhone(true);
    if (was !== "none" && phone === "none") this.onPhone(false);
  }
}
