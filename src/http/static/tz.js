// Remembers the reader's time zone so pages can show deadlines in "your time" too.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf('tz=' + encodeURIComponent(zone)) === -1) {
      document.cookie = 'tz=' + encodeURIComponent(zone) + ';path=/;max-age=31536000;samesite=lax';
    }
  } catch (e) {}
})();
