// The report's only script (allowed by its hash): the source toggles, starting a page that
// was held back, and the blind reveal.
// The layout and theme switches are radio buttons styled with CSS, and need no script.
(function () {
  'use strict';

  function decode(text) {
    var bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    return new TextDecoder().decode(bytes);
  }

  function reveal(button) {
    var values = JSON.parse(decode(button.getAttribute('data-sealed') || 'e30='));
    document.querySelectorAll('[data-reveal]').forEach(function (element) {
      var value = values[element.getAttribute('data-reveal')];
      if (typeof value === 'string') {
        element.textContent = value;
        element.classList.remove('sealed');
      }
    });
    document.documentElement.classList.add('revealed');
    button.disabled = true;
    button.textContent = 'Models revealed';
  }

  // The source is the frame's own srcdoc without the policy the report put into it.
  function toggleSource(button) {
    var id = button.getAttribute('data-source');
    var frame = document.getElementById(id);
    var out = document.getElementById(id + '-source');
    if (!frame || !out) {
      return;
    }
    if (!out.firstChild) {
      var text = frame.getAttribute('srcdoc') || frame.getAttribute('data-srcdoc') || '';
      var cut = Number(frame.getAttribute('data-cut')) || 0;
      var added = Number(frame.getAttribute('data-added')) || 0;
      out.textContent = text.slice(0, cut) + text.slice(cut + added);
    }
    out.hidden = !out.hidden;
    button.setAttribute('aria-expanded', String(!out.hidden));
    button.textContent = out.hidden ? 'Show source' : 'Hide source';
  }

  // A page that hung in the studio starts only when the reader asks for it.
  function runPage(button) {
    var frame = document.getElementById(button.getAttribute('data-frame'));
    if (!frame || frame.hasAttribute('srcdoc')) {
      return;
    }
    frame.setAttribute('srcdoc', frame.getAttribute('data-srcdoc') || '');
    button.disabled = true;
    button.textContent = 'Started';
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var button = target.closest('button[data-action]');
    if (!button) {
      return;
    }
    var action = button.getAttribute('data-action');
    if (action === 'reveal') {
      reveal(button);
    } else if (action === 'source') {
      toggleSource(button);
    } else if (action === 'run') {
      runPage(button);
    }
  });
}());
