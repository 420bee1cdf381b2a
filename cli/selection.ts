/**
 * The selection options shared by commands that pick machines: `--name PATTERN` and
 * repeatable `--tag K=V`, parsed into an ops/ {@link Selector}.
 */
import { Command, InvalidArgumentError } from "commander";
import { parseTagFilter, SelectorError, type Selector, type TagFilter } from "../ops/selector";

/** Options as commander hands them over after {@link addSelectionOptions}. */
export interface SelectionOptions {
  readonly name?: string;
  readonly tag?: readonly TagFilter[];
}

function collectTag(text: string, previous: readonly TagFilter[] | undefined): TagFilter[] {
  try {
    return [...(previous ?? []), parseTagFilter(text)];
  } catch (error) {
    // commander prints InvalidArgumentError as a usage error (exit 2).
    if (error instanceof SelectorError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** Adds `--name PATTERN` and repeatable `--tag K=V` to `command`. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option("--name <pattern>", "glob on the Name tag (else computer name), e.g. 'web-*'")
    .option("--tag <key=value>", "tag the machine must have; repeat for several", collectTag);
}

/** The ops/ selector for the parsed options. */
export function selectorFrom(options: SelectionOptions): Selector {
  return { name: options.name, tags: options.tag ?? [] };
}
