// Banners above the layout: one per id, replaced when the same id is shown again.
// Errors use role=alert so screen readers announce them at once; the rest are polite.

export function showNotice(container, { id, kind = 'info', title, detail = '', actions = [] }) {
  clearNotice(container, id);
  const box = document.createElement('div');
  box.className = `notice ${kind}`;
  box.dataset.noticeId = id;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const text = document.createElement('div');
  text.className = 'notice-text';
  const head = document.createElement('p');
  head.className = 'notice-title';
  head.textContent = title;
  text.append(head);
  if (detail) {
    const more = document.createElement('p');
    more.className = 'notice-detail';
    more.textContent = detail;
    text.append(more);
  }
  const buttons = document.createElement('div');
  buttons.className = 'notice-actions';
  for (const action of actions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    if (action.primary) button.className = 'primary';
    button.addEventListener('click', () => {
      clearNotice(container, id);
      action.onClick();
    });
    buttons.append(button);
  }
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.textContent = 'Dismiss';
  dismiss.setAttribute('aria-label', `Dismiss: ${title}`);
  dismiss.addEventListener('click', () => clearNotice(container, id));
  buttons.append(dismiss);
  box.append(text, buttons);
  container.append(box);
  return box;
}

export function clearNotice(container, id) {
  for (const old of container.querySelectorAll('.notice')) {
    if (old.dataset.noticeId === id) old.remove();
  }
}
