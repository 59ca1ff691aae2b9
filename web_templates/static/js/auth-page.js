// The sign-in, sign-up and password pages' behaviours, one module each.
import "./confirm-submit.js";
import "./busy-button.js";
import "./kept-passwords.js";
import "./keep-message-link.js";
