// The safeguard VS Code extension: a thin client that starts the local
// `safeguard server` over stdio. All checking happens in that process, on
// this machine: no file is uploaded anywhere.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("safeguard");
  const command = config.get<string>("path", "safeguard");
  const args = ["server", ...config.get<string[]>("args", [])];
  return { command, args, transport: TransportKind.stdio };
}

function clientOptions(): LanguageClientOptions {
  const config = vscode.workspace.getConfiguration("safeguard");
  return {
    // Terraform, Postfix, Dovecot and Exim files, tenant exports (JSON, PowerShell).
    documentSelector: [
      { scheme: "file", pattern: "**/*.tf" },
      { scheme: "file", pattern: "**/*.tfvars" },
      { scheme: "file", pattern: "**/main.cf" },
      { scheme: "file", pattern: "**/master.cf" },
      { scheme: "file", pattern: "**/dovecot.conf" },
      { scheme: "file", pattern: "**/conf.d/*.conf" },
      { scheme: "file", pattern: "**/{exim.conf,exim4.conf,exim4.conf.template,configure}" },
      { scheme: "file", language: "json" },
      { scheme: "file", language: "powershell" },
    ],
    initializationOptions: { debounceMs: config.get<number>("debounceMs", 0) },
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{safeguard.toml,*.yaml,*.yml,*.tf,*.tfvars}"
      ),
    },
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  client = new LanguageClient("safeguard", "safeguard", serverOptions(), clientOptions());
  await client.start();
  context.subscriptions.push(client);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("safeguard.restart", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("safeguard")) {
        await vscode.commands.executeCommand("safeguard.restart");
      }
    })
  );
  try {
    await start(context);
  } catch (err) {
    void vscode.window.showErrorMessage(
      `safeguard: cannot start \`safeguard server\` (${String(err)}). Set safeguard.path to the binary.`
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
