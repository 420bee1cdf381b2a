/**
 * What the activation function may do for the name lease, beside its main policy
 * (`activationFunctionPolicy`): item-level reads and writes on its own table, nothing on
 * any other table, and deleting the activations it replaces.
 */
import type { PolicyDocument } from "../shared/policies";

/** The DynamoDB actions the lease uses (conditional UpdateItem, DeleteItem on release). */
export const LEASE_TABLE_ACTIONS = [
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
] as const;

/**
 * The lease policy of the activation function.
 * - DynamoDB item actions on the lease table's ARN only (no index, no other table, no
 *   table-level actions such as Scan or DeleteTable).
 * - `ssm:DeleteActivation` on `*`: the Service Authorization Reference lists no resource
 *   type for it, so it cannot be narrowed to an ARN
 *   (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
 *   The handler only deletes the activation its own lease item recorded.
 */
export function activationLeasePolicy(tableArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LeaseNames",
        Effect: "Allow",
        Action: [...LEASE_TABLE_ACTIONS],
        Resource: tableArn,
      },
      {
        Sid: "DeleteReplacedActivations",
        Effect: "Allow",
        Action: "ssm:DeleteActivation",
        Resource: "*",
      },
    ],
  };
}
