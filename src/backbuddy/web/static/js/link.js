// The session socket, kept alive: reconnects with back-off, queues presses while down
// (each different press once).
// Frames are never queued: a stale frame is worse than none.

import { encodeLandmarks } from "./landmarks_bin.js";

const NO_RETRY = new Set([1008, 4401, 4403, 4404, 4409]);

export class Link {
  constructor(url, { onMessage, onStatus }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.queue = [];
    this.ws = null;
    this.retryMs = 250;
    this.stopped = false;
  }

  get up() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    this.onStatus("connecting");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 250;
      // Camera messages (frames, landmarks) sent on this socket: the server numbers them
      // the same way, from 1 on each socket, and answers a frame with its number.
      this.cameraMessages = 0;
      this.onStatus("up");
      for (const { text } of this.queue.splice(0)) ws.send(text);
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data === "string") this.onMessage(JSON.parse(msg.data));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const final = this.stopped || NO_RETRY.has(ev.code);
      this.onStatus(final ? "closed" : "down", ev.code);
      if (!final) {
        setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 4000);
      }
    };
  }

  sendEvent(event, ref) {
    const text = JSON.stringify({ v: 1, type: "event", event, ref });
    if (this.up) {
      this.ws.send(text);
      return;
    }
    // Queued while down: the same press twice says nothing new (a Stop pressed again and
    // again), and a flood of them on reconnect would be refused by the server's rate limit.
    const key = JSON.stringify(event);
    if (!this.queue.some((q) => q.key === key)) this.queue.push({ key, text });
  }

  // Returns the frame's number on this socket (the server's `seq` for it), 0 when dropped.
  sendFrame(buffer) {
    if (!this.up || this.ws.bufferedAmount > 256 * 1024) return 0;
    this.ws.send(buffer);
    return ++this.cameraMessages;
  }

  // One frame's landmarks from the page's own pose model, as the binary message
  // (landmarks_bin.js), or a role frame (JSON); dropped, like a frame, when down.
  // Landmarks are numbered with the frames (returns the number, 0 when dropped).
  sendLandmarks(message) {
    if (!this.up || this.ws.bufferedAmount > 64 * 1024) return 0;
    if (message.type !== "landmarks") {
      this.ws.send(JSON.stringify(message));
      return 1;
    }
    this.ws.send(encodeLandmarks(message));
    return ++this.cameraMessages;
  }

  // 32 ms of the microphone (mic.js); dropped, like a frame, when down or backed up.
  sendAudio(buffer) {
    if (!this.up || this.ws.bufferedAmount > 64 * 1024) return false;
    this.ws.send(buffer);
    return true;
  }

  close() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
  }
}
