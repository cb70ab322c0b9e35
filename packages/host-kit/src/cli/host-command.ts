import { Command, type HelpContext, type Option, type ParseOptionsResult } from "commander";
import { UsageError } from "./usage-error.js";

/**
 * A commander `Command` with the conventions every Edge PKI command line shares. Each usage mistake,
 * commander's own included, is thrown as a `UsageError` instead of being printed and exiting, so
 * that `runProgram` reports it in one line. On top of commander, a flag given twice is refused
 * (rather than the last one silently winning), and so is a value that starts with '-' given as the
 * next argument (`--ttl -5d`, most likely a forgotten value): `--ttl=-5d` states it is meant.
 * Subcommands made with `.command()` are HostCommands too.
 */
export class HostCommand extends Command {
  /** Flags seen in the arguments being parsed. */
  readonly #given = new Set<string>();

  override createCommand(name?: string): HostCommand {
    return new HostCommand(name);
  }

  override addOption(option: Option): this {
    super.addOption(option);
    // Commander emits this event once for each occurrence of the flag, after storing its value.
    this.on(`option:${option.name()}`, () => {
      const flag = option.long ?? option.short ?? option.name();
      if (this.#given.has(flag)) this.error(`${flag} was given more than once`);
      this.#given.add(flag);
    });
    return this;
  }

  override parseOptions(args: string[]): ParseOptionsResult {
    this.#given.clear();
    this.#refuseDashValues(args);
    return super.parseOptions(args);
  }

  /** Commander reports usage mistakes here (and so may actions): thrown for `runProgram` to print. */
  override error(message: string): never {
    throw new UsageError(ownWording(message), commandPath(this));
  }

  /** Commander asks for help on stderr when a command that needs a subcommand got none. */
  override help(context?: HelpContext | ((text: string) => string)): never {
    if (typeof context === "function") return super.help(context);
    if (context?.error) {
      this.error(`missing command (${this.commands.map((command) => command.name()).join(", ")})`);
    }
    return super.help(context);
  }

  #refuseDashValues(args: readonly string[]): void {
    for (let index = 0; index < args.length - 1; index++) {
      const arg = args[index] as string;
      if (arg === "--") return;
      const option = this.options.find((candidate) => candidate.long === arg || candidate.short === arg);
      if (option === undefined || !option.required) continue;
      const value = args[index + 1] as string;
      if (value.length > 1 && value.startsWith("-")) {
        const attached = arg.startsWith("--") ? `${arg}=${value}` : `${arg}${value}`;
        this.error(
          `Option '${arg}' argument is ambiguous (for a value that starts with '-', write ${attached})`,
        );
      }
      index++;
    }
  }
}

/** A program (the root command) named as the operator types it. */
export function createProgram(name: string): HostCommand {
  return new HostCommand(name).exitOverride().configureHelp({ showGlobalOptions: true });
}

/** `edge-pki-ca token create`: the names from the program down to `command`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current !== null; current = current.parent) {
    names.unshift(current.name());
  }
  return names.join(" ");
}

/**
 * Commander's message without its "error: " prefix and closing full stop. An unknown option keeps
 * the wording of the node:util parser these command lines used before, which scripts may match:
 * "Unknown option '--bogus'".
 */
function ownWording(message: string): string {
  return message
    .replace(/^error: /, "")
    .replace(/^unknown option/, "Unknown option")
    .replace(/\.$/, "");
}
