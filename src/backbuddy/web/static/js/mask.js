// The grey over everyone but the receiver, before the page's pose model sees the crop (the
// two-person step, roles.js): the page's twin of adapters/receiver_pose.py's steady mask.
// Redrawn on every role answer from that answer's keypoints, the grey moved with the
// detector's jitter and with a wrist's score flickering across the threshold, and the model's
// landmarks on the receiver jumped with it (on the server: a still receiver false-halted at
// 60°, docs/accuracy.md "The grey mask made the landmarks jump"). So, as the server does:
// a mask keypoint moves only when the detector puts it more than `slack` of the person's size
// away; one no longer trusted keeps its place for `forget_ms`; the receiver's own cut-out moves
// past the smaller `follow_slack`, part of the way per answer (time constant `follow_ms`; held
// by the slack, it moved in steps along the grey at the receiver's back); new grey fades in over `fade_frames` frames; grey
// where the receiver moved to clears at once. Where the technique's grey fades (`rule.fades`,
// its `video.grey_fades`), as the server's `ReceiverPose.grey_fades`: grey the others' drawing
// no longer covers (a keypoint moved, or forgotten) fades out over `fade_out_frames`, and the
// receiver's cut-out is `cut_scale` wide where it borders their drawn arms, that band's grey
// fading out too (receiver_grey.cut_targets, ramped). Where the technique greys nobody
// (`rule.grey_assistant` false, its `video.grey_assistant`), as the server's
// `ReceiverPose.grey_assistant`: nothing is drawn, the crop goes to the model as the camera took it.
// The rule's figures come with every role answer (`role.mask`, from motion/grey_mask.py,
// which the server's mask reads too), so page and server cannot drift apart.

const GREY = "rgb(127,127,127)";
// COCO skeleton edges drawn as limbs when masking a person; head keypoints 0..4.
const EDGES = [[5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12], [11, 12],
  [11, 13], [13, 15], [12, 14], [14, 16], [0, 5], [0, 6]];
// The arms' edges (shoulder-elbow, elbow-wrist): grey_mask.ARM_EDGES.
const ARM_EDGES = [[5, 7], [7, 9], [6, 8], [8, 10]];
// Used only until an answer brings the server's rule (motion/grey_mask.py).
export const DEFAULT_RULE = {
  slack: 0.03, forget_ms: 4000, fade_frames: 8, follow_slack: 0.02, follow_ms: 370, follow_max: 0.3026, min_score: 0.3,
  limb: 0.06, head_r: 0.09, others_scale: 1.3, fades: false, fade_out_frames: 30, cut_scale: 1.5,
  grey_assistant: true,
};

// A person's long side in pixels (lying or not).
const sideOf = (box, w, h) => Math.max((box[2] - box[0]) * w, (box[3] - box[1]) * h, 1);

// One person as the mask draws them: keypoints (0..1, score), box, per keypoint the page ms
// at which the detector last trusted it, and the page ms of the answer it was last updated by.
function fresh(kp, box, ms) {
  return { kp: kp.map((p) => p.slice()), box: box.slice(), seen: kp.map(() => ms), ms };
}

// `drawn` after an answer's keypoints (receiver_grey.steady_person): a trusted keypoint within
// `slack` of where it is drawn stays; one further moves `share` of the way to its new place;
// one not drawn takes its place; one no longer trusted keeps its place for `forget_ms`. The
// same keypoints and box when nothing changed (the mask need not be redrawn).
export function steadyPerson(drawn, kp, box, ms, w, h, rule, slack = rule.slack, share = 1) {
  const length = sideOf(drawn.box, w, h);
  const trusted = (p) => p[2] >= rule.min_score;
  const seen = kp.map((p, i) => (trusted(p) ? ms : drawn.seen[i]));
  let changed = false;
  const out = drawn.kp.map((old, i) => {
    const now = kp[i];
    if (trusted(now)) {
      if (!trusted(old)) {
        changed = true;
        return now.slice();
      }
      if (Math.hypot((now[0] - old[0]) * w, (now[1] - old[1]) * h) > slack * length) {
        changed = true;
        if (share >= 1) return now.slice();
        return [old[0] + share * (now[0] - old[0]), old[1] + share * (now[1] - old[1]), now[2]];
      }
    } else if (trusted(old) && ms - seen[i] >= rule.forget_ms) {
      changed = true;
      return [old[0], old[1], 0];
    }
    return old;
  });
  return changed ? { kp: out, box: box.slice(), seen, ms } : { ...drawn, seen, ms };
}

// The receiver's cut-out after an answer (receiver_grey.follow_person): past `follow_slack`,
// a keypoint moves 1 − e^(−Δt/follow_ms) of the way (Δt since the last answer: 0.30 at the
// server's look every 4 frames at 30 frames/s), so a slow movement moves it a little each
// answer, not in `slack`-sized steps along the grey that borders the receiver; at most
// `follow_max` (the server's share per look): with answers 2 s apart the cut-out jumped all the
// way, the grey she had leaned into cleared at once and the lean read a false `sudden`.
export function followPerson(drawn, kp, box, ms, w, h, rule) {
  const share = Math.min(1 - Math.exp(-Math.max(0, ms - drawn.ms) / rule.follow_ms), rule.follow_max);
  return steadyPerson(drawn, kp, box, ms, w, h, rule, rule.follow_slack, share);
}

// Distance between two boxes' centres in units of the first box's long side.
function centreGap(a, b, w, h) {
  const dx = ((a[0] + a[2] - b[0] - b[2]) / 2) * w, dy = ((a[1] + a[3] - b[1] - b[3]) / 2) * h;
  return Math.hypot(dx, dy) / sideOf(a, w, h);
}

// The mask's people after an answer (receiver_grey.steady_basis): everyone else kept steady and
// the receiver's cut-out following while the same people are seen; afresh when someone comes
// or goes or moves by over half their size.
export function steadyBasis(kept, role, ms, w, h, rule) {
  const others = role.others.map((kp, i) => [kp, role.others_boxes[i]]);
  const afresh = () => ({
    receiver: fresh(role.receiver, role.box, ms),
    others: others.map(([kp, box]) => fresh(kp, box, ms)),
  });
  if (!kept || kept.others.length !== others.length) return afresh();
  const left = kept.others.slice();
  const pairs = [];
  for (const [kp, box] of others) {
    let j = 0;
    left.forEach((d, k) => { if (centreGap(d.box, box, w, h) < centreGap(left[j].box, box, w, h)) j = k; });
    if (centreGap(left[j].box, box, w, h) > 0.5) return afresh();
    pairs.push(steadyPerson(left.splice(j, 1)[0], kp, box, ms, w, h, rule));
  }
  return { receiver: followPerson(kept.receiver, role.receiver, role.box, ms, w, h, rule), others: pairs };
}

const samePerson = (a, b) => a.box.every((v, i) => v === b.box[i])
  && a.kp.every((p, i) => p[0] === b.kp[i][0] && p[1] === b.kp[i][1] && p[2] === b.kp[i][2]);

function sameDrawing(a, b) {
  return a.others.length === b.others.length && samePerson(a.receiver, b.receiver)
    && a.others.every((o, i) => samePerson(o, b.others[i]));
}

// One person's body on a 2D context, in crop pixels: thick lines along the trusted skeleton
// `edges` and (`head`) a disc on the head (sizes × scale, in the long side of the person's box).
function drawBody(ctx, kp, box, crop, w, h, scale, rule, edges = EDGES, head = true) {
  const trusted = (p) => p[2] >= rule.min_score;
  const pts = kp.map(([x, y, s]) => [x * w - crop.x0, y * h - crop.y0, s]);
  const length = sideOf(box, w, h);
  ctx.lineWidth = Math.max(2, Math.round(2 * rule.limb * scale * length));
  ctx.lineCap = "round";
  ctx.beginPath();
  for (const [a, b] of edges) {
    if (trusted(pts[a]) && trusted(pts[b])) {
      ctx.moveTo(pts[a][0], pts[a][1]);
      ctx.lineTo(pts[b][0], pts[b][1]);
    }
  }
  ctx.stroke();
  const seen = head ? pts.slice(0, 5).filter(trusted) : [];
  if (seen.length) {
    const cx = seen.reduce((s, p) => s + p[0], 0) / seen.length;
    const cy = seen.reduce((s, p) => s + p[1], 0) / seen.length;
    const spread = seen.length > 1 ? Math.max(...seen.map((p) => p[0])) - Math.min(...seen.map((p) => p[0])) : 0;
    ctx.beginPath();
    ctx.arc(cx, cy, Math.max(2, Math.max(0.9 * spread, rule.head_r * length) * scale), 0, 2 * Math.PI);
    ctx.fill();
  }
}

// Grey over the others' bodies (wider) but not over the receiver's, on `canvas` (the crop's
// size); false when there is nobody else.
function paint(canvas, basis, crop, w, h, rule) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!basis.others.length) return false;
  ctx.globalCompositeOperation = "source-over";
  ctx.fillStyle = ctx.strokeStyle = GREY;
  for (const o of basis.others) drawBody(ctx, o.kp, o.box, crop, w, h, rule.others_scale, rule);
  ctx.globalCompositeOperation = "destination-out";
  ctx.fillStyle = ctx.strokeStyle = "#000";
  drawBody(ctx, basis.receiver.kp, basis.receiver.box, crop, w, h, 1.0, rule);
  ctx.globalCompositeOperation = "source-over";
  return true;
}

// Where the technique's grey fades (receiver_grey.cut_targets with `arms_only`): per pixel of
// the crop, 1 where the grey goes (the others' bodies, not the receiver's cut-out, which is
// `cut_scale` wide where it borders their drawn arms) and where grey clears at once (her
// cut-out as a look draws it); null when there is nobody else.
function fadeTargets(basis, crop, w, h, rule) {
  if (!basis.others.length) return null;
  const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
  const r = basis.receiver;
  const body = (draw) => {
    const canvas = canvasOf(cw, ch);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = ctx.strokeStyle = "#fff";
    draw(ctx);
    return canvas;
  };
  // her band: her cut-out `cut_scale` wide, only on their drawn arms (drawn apart and laid on
  // at once: "destination-in" keeps only the last stroke or disc drawn)
  const wide = body((ctx) => drawBody(ctx, r.kp, r.box, crop, w, h, rule.cut_scale, rule));
  const band = body((ctx) => {
    for (const o of basis.others) drawBody(ctx, o.kp, o.box, crop, w, h, rule.others_scale, rule, ARM_EDGES, false);
    ctx.globalCompositeOperation = "destination-in";
    ctx.drawImage(wide, 0, 0);
  });
  const grey = body((ctx) => {
    for (const o of basis.others) drawBody(ctx, o.kp, o.box, crop, w, h, rule.others_scale, rule);
    ctx.globalCompositeOperation = "destination-out";
    drawBody(ctx, r.kp, r.box, crop, w, h, 1.0, rule);
    ctx.drawImage(band, 0, 0);
  });
  const near = body((ctx) => drawBody(ctx, r.kp, r.box, crop, w, h, 1.0, rule));
  const alpha = (canvas) => {
    const rgba = canvas.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, cw, ch).data;
    const out = new Uint8Array(cw * ch);
    for (let i = 0; i < out.length; i++) out[i] = rgba[4 * i + 3] >= 128 ? 1 : 0;
    return out;
  };
  return { width: cw, height: ch, grey: alpha(grey), near: alpha(near) };
}

// The steady mask of one stream: `grey()` on every frame (`answer()` on a new role answer or
// crop, then `frame()`).
export class SteadyMask {
  constructor() {
    this.basis = null;
    this.crop = null;
    this.rule = DEFAULT_RULE;
    this.drawn = null; // the newest drawing (OffscreenCanvas), or null: nobody else
    this.old = null; // the grey shown when it was redrawn, fading out, or null
    this.shown = null; // the fade's picture
    this.last = null; // what the last frame laid over the crop
    this.fade = DEFAULT_RULE.fade_frames; // frames since the last redraw
    this.redraws = 0;
    this.roleMs = null; // the answer in use
    // where the grey fades (`rule.fades`): the drawing's per-pixel targets (fadeTargets), the
    // grey's strength shown per pixel (0..1) and whether it has reached the targets
    this.targets = null;
    this.ramp = null;
    this.rampDone = false;
    this.rampWidth = 0;
    this.rampCanvas = null;
  }

  // The grey to lay over this frame's crop (a canvas of its size, or null), given the newest
  // role answer that found the receiver and the crop in use (roles.js cropFor).
  grey(role, crop, w, h) {
    if (role.ms !== this.roleMs || crop !== this.crop) this.answer(role, crop, w, h);
    this.roleMs = role.ms;
    if (this.rule.grey_assistant === false) {
      this.last = null; // nothing greyed over the assistant
      return null;
    }
    return this.frame();
  }

  // A role answer that found the receiver (`role.ms`: its page time), with the crop in use
  // (a new crop: the model looks afresh, so the whole new mask at once).
  answer(role, crop, w, h) {
    this.rule = role.mask ? { ...DEFAULT_RULE, ...role.mask } : DEFAULT_RULE;
    const moved = crop !== this.crop;
    const basis = steadyBasis(this.basis, role, role.ms, w, h, this.rule);
    const redraw = this.rule.grey_assistant !== false
      && (moved || !this.basis || !sameDrawing(basis, this.basis));
    if (redraw && this.rule.fades) {
      if (moved) this.ramp = null; // a new crop: the whole new mask at once
      this.targets = fadeTargets(basis, crop, w, h, this.rule);
      this.rampDone = false;
      this.fade = 0;
      this.redraws += 1;
    } else if (redraw) {
      const cw = crop.x1 - crop.x0, ch = crop.y1 - crop.y0;
      this.old = null;
      if (!moved && this.last) {
        this.old = canvasOf(cw, ch);
        const octx = this.old.getContext("2d");
        octx.clearRect(0, 0, cw, ch);
        octx.drawImage(this.last, 0, 0);
      }
      const canvas = moved || !this.drawn ? canvasOf(cw, ch) : this.drawn;
      this.drawn = paint(canvas, basis, crop, w, h, this.rule) ? canvas : null;
      this.fade = 0;
      this.redraws += 1;
    }
    this.basis = basis;
    this.crop = crop;
  }

  // The grey for this frame: new grey at step/fade_frames of its strength on top of what was
  // shown, and nothing where the new drawing has none (receiver_grey.faded).
  frame() {
    if (this.rule.fades) return this.ramped();
    const steps = this.rule.fade_frames;
    this.fade = Math.min(this.fade + 1, steps);
    if (this.fade >= steps || !this.old || !this.drawn) {
      this.last = this.drawn;
      return this.last;
    }
    const a = this.fade / steps;
    const { width: cw, height: ch } = this.drawn;
    if (!this.shown || this.shown.width !== cw || this.shown.height !== ch) this.shown = canvasOf(cw, ch);
    const ctx = this.shown.getContext("2d");
    ctx.clearRect(0, 0, cw, ch);
    ctx.globalAlpha = 1 - a;
    ctx.drawImage(this.old, 0, 0); // old × (1 − a)
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "lighter";
    ctx.fillStyle = `rgba(127,127,127,${a})`;
    ctx.fillRect(0, 0, cw, ch); // + a
    ctx.globalCompositeOperation = "destination-in";
    ctx.drawImage(this.drawn, 0, 0); // × the new drawing
    ctx.globalCompositeOperation = "source-over";
    this.last = this.shown;
    return this.last;
  }

  // Where the grey fades (receiver_grey.ramped): each pixel of new grey fades in over
  // `fade_frames` frames, grey the drawing no longer covers fades out over `fade_out_frames`, grey
  // on her cut-out as a look draws it clears at once; the whole target after a new crop.
  ramped() {
    const t = this.targets;
    if (!t) {
      this.ramp = null;
      this.last = null;
      return null;
    }
    if (this.rampDone) return this.last;
    const n = t.width * t.height;
    let partial = false;
    if (!this.ramp || this.ramp.length !== n || this.rampWidth !== t.width) {
      this.ramp = Float32Array.from(t.grey);
      this.rampWidth = t.width;
    } else {
      const up = Math.fround(1 / this.rule.fade_frames), down = Math.fround(1 / this.rule.fade_out_frames);
      const ramp = this.ramp;
      for (let i = 0; i < n; i++) {
        ramp[i] = t.near[i] ? 0 : t.grey[i] ? Math.min(ramp[i] + up, 1) : Math.max(ramp[i] - down, 0);
        if (ramp[i] > 0 && ramp[i] < 1) partial = true;
      }
    }
    this.rampDone = !partial;
    if (!this.rampCanvas || this.rampCanvas.width !== t.width || this.rampCanvas.height !== t.height) {
      this.rampCanvas = canvasOf(t.width, t.height);
    }
    const ctx = this.rampCanvas.getContext("2d");
    const picture = ctx.createImageData(t.width, t.height);
    const px = picture.data;
    for (let i = 0; i < n; i++) {
      const a = Math.round(this.ramp[i] * 255);
      if (a) {
        px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = 127;
        px[4 * i + 3] = a;
      }
    }
    ctx.putImageData(picture, 0, 0);
    this.last = this.rampCanvas;
    return this.last;
  }
}

function canvasOf(w, h) {
  return typeof OffscreenCanvas === "function" ? new OffscreenCanvas(w, h) : Object.assign(document.createElement("canvas"), { width: w, height: h });
}
