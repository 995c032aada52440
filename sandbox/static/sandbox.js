// Progressive enhancement for the sandbox's pages. Every page works without this file: it only
// adds a Copy button beside each curl command. Browsers offer the Clipboard API to secure contexts
// only (https, or http on loopback such as 127.0.0.1), so elsewhere no button appears and the
// command is still there to select and copy by hand.
"use strict";

function addCopyButton(details) {
  const command = details.querySelector("pre code");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Copy the curl command";
  const status = document.createElement("span");
  status.setAttribute("role", "status"); // read out by screen readers when it changes
  status.className = "note";
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(command.textContent);
      status.textContent = " Copied.";
    } catch {
      status.textContent = " The browser refused: select the command and copy it by hand.";
    }
  });
  details.append(button, status);
}

if (navigator.clipboard) {
  document.querySelectorAll("details.curl").forEach(addCopyButton);
}
