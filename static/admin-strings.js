// Not loaded by any page: the words of the Django admin's own scripts that its zh_Hans catalogue
// lacks, listed so `make messages` keeps their Chinese in locale/zh_Hans/LC_MESSAGES/djangojs.po.
/* global gettext */
export const ADMIN_STRINGS = [
  gettext('Choose %s by selecting them and then select the "Choose" arrow button.'),
  gettext("Choose all %s"),
  gettext("Choose selected %s"),
  gettext("Remove selected %s"),
  gettext('Remove %s by selecting them and then select the "Remove" arrow button.'),
  gettext("(click to clear)"),
  gettext("Remove all %s"),
];
