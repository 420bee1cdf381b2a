import * as assert from "node:assert/strict";
import { InvalidInstanceId, SSMServiceException } from "@aws-sdk/client-ssm";
import { describeError, exitCodeFor, isAwsError, RefusedError, UsageError } from "../../cli/errors";

/** What the SDK throws for an unmodelled error code such as ThrottlingException. */
function serviceError(name: string, message: string, attempts = 1) {
  return new SSMServiceException({
    name,
    message,
    $fault: "client",
    $metadata: { httpStatusCode: 400, attempts },
  });
}

describe("cli error mapping", () => {
  const cases: [string, unknown, number, string][] = [
    ["usage", new UsageError("--tag must be KEY=VALUE"), 2, "error: --tag must be KEY=VALUE"],
    ["refused", new RefusedError("refused: no TTY"), 4, "refused: no TTY"],
    [
      "throttled after retries",
      serviceError("ThrottlingException", "Rate exceeded", 6),
      3,
      "AWS error: throttled after 6 attempts (ThrottlingException: Rate exceeded); retry later or narrow the selection",
    ],
    [
      "access denied",
      serviceError("AccessDeniedException", "not authorized to perform ssm:X"),
      3,
      "AWS error: AccessDeniedException: not authorized to perform ssm:X",
    ],
    [
      "no credentials",
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      3,
      "AWS error: no credentials (Could not load credentials from any providers); set --profile, or AWS_PROFILE, or run aws configure / aws sso login",
    ],
    [
      "network",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      3,
      "AWS error: Error: connect ECONNREFUSED 127.0.0.1:1",
    ],
    ["a bug", new TypeError("x is undefined"), 1, "internal error: TypeError: x is undefined"],
  ];
  for (const [what, error, code, message] of cases) {
    it(`${what}: exit ${code}`, () => {
      assert.equal(exitCodeFor(error), code);
      assert.equal(describeError(error), message);
    });
  }

  it("recognises the SDK's own modelled exception classes", () => {
    const modelled = new InvalidInstanceId({ message: "x", $metadata: { attempts: 1 } });
    assert.equal(isAwsError(modelled), true);
    assert.equal(isAwsError("a string"), false);
  });
});
