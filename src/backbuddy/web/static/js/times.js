// Every <time datetime data-style> on the page, in the browser's own time zone and locale.
// The server writes UTC as a fallback (web/times.py); this replaces it once the page loads.

const STYLES = {
  datetime: { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" },
  date: { day: "numeric", month: "short", year: "numeric" },
  time: { hour: "2-digit", minute: "2-digit" },
};

export function localTimes(root = document) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const el of root.querySelectorAll("time[datetime][data-style]")) {
    const moment = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    const style = STYLES[el.dataset.style] || STYLES.datetime;
    el.textContent = new Intl.DateTimeFormat(undefined, style).format(moment);
    el.title = `${el.textContent} (${zone})`;
    el.dataset.local = "1";
  }
}

localTimes();
