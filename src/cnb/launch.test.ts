import { describe, expect, it } from "vitest";
import { parseProcesses } from "./launch.js";
import { parseToml } from "./toml.js";

const toml = (text: string) => parseToml(text, "launch.toml");

describe("parseProcesses", () => {
  it("treats every process as direct from buildpack API 0.9 on", () => {
    const [p] = parseProcesses(toml('[[processes]]\ntype = "web"\ncommand = ["app"]\ndirect = false\n'), "launch.toml", "0.10");
    expect(p).toMatchObject({ type: "web", command: ["app"], args: [], default: false, direct: true });
  });

  it("keeps API < 0.9's shell processes (direct defaults to false, command is a string)", () => {
    const [shell, direct] = parseProcesses(
      toml('[[processes]]\ntype = "web"\ncommand = "python app.py"\n[[processes]]\ntype = "worker"\ncommand = "w"\ndirect = true\n'),
      "launch.toml",
      "0.8",
    );
    expect(shell).toMatchObject({ command: ["python app.py"], direct: false });
    expect(direct).toMatchObject({ command: ["w"], direct: true });
  });

  it("names the file when a field has the wrong type", () => {
    expect(() => parseProcesses(toml('[[processes]]\ntype = "web"\ncommand = [1]\n'), "launch.toml")).toThrow(
      'field "command" must be an array of strings',
    );
  });
});
