// The admin pages work without this script; with it, deleting asks first,
// and a room's older messages load in place as the end of the list comes
// into view (instead of opening the next page).
"use strict";

document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

function loadOnView(link) {
  const observer = new IntersectionObserver(async (entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    link.textContent = "Loading older messages…";
    try {
      const reply = await fetch(link.href, { credentials: "same-origin" });
      if (!reply.ok) throw new Error(`the server answered ${reply.status}`);
      const page = new DOMParser().parseFromString(await reply.text(), "text/html");
      const rows = page.querySelector("[data-rows] tbody");
      document.querySelector("[data-rows] tbody").append(...(rows ? rows.children : []));
      const next = page.querySelector("[data-load-on-view]");
      const end = next || page.querySelector(".admin-empty");
      if (end) link.replaceWith(end);
      else link.remove();
      if (next) loadOnView(next);
    } catch (error) {
      // The link still opens the page by hand.
      link.textContent = `Couldn't load older messages (${error.message}). Open them`;
    }
  });
  observer.observe(link);
}

document.querySelectorAll("[data-load-on-view]").forEach(loadOnView);
