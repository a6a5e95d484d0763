// The skeleton drawn over the camera preview, from landmarks the server sends (x, y, visibility).

const BONES = [
  [11, 12], [11, 13], [13, 15], [12, 14], [14, 16], [11, 23], [12, 24], [23, 24],
  [23, 25], [25, 27], [24, 26], [26, 28], [0, 11], [0, 12],
];
const MIN_VISIBILITY = 0.5;

export function drawSkeleton(canvas, video, landmarks, tracked) {
  const w = video.videoWidth || canvas.width;
  const h = video.videoHeight || canvas.height;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  if (!landmarks) return;
  const seen = (p) => p && p[2] >= MIN_VISIBILITY;
  ctx.lineWidth = Math.max(3, w / 120);
  ctx.strokeStyle = tracked ? "#4ade80" : "#fbbf24";
  for (const [a, b] of BONES) {
    const p = landmarks[a];
    const q = landmarks[b];
    if (!seen(p) || !seen(q)) continue;
    ctx.beginPath();
    ctx.moveTo(p[0] * w, p[1] * h);
    ctx.lineTo(q[0] * w, q[1] * h);
    ctx.stroke();
  }
  ctx.fillStyle = "#fff";
  for (const p of landmarks) {
    if (!seen(p)) continue;
    ctx.beginPath();
    ctx.arc(p[0] * w, p[1] * h, ctx.lineWidth, 0, 2 * Math.PI);
    ctx.fill();
  }
}

export function clearOverlay(canvas) {
  canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
}
