import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on one construct (and its children). cdk-nag 3 has no bulk
 * form: an IAM5 finding is `AwsSolutions-IAM5[Resource::<flattened ARN>]`, one per resource,
 * so an acknowledgement covers exactly the wildcard it names and a new wildcard still fails.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * A value (usually an ARN with tokens) in the flat form cdk-nag uses in finding ids:
 * `Fn::GetAtt` -> `<LogicalId.Attr>`, `Ref` -> `<Name>`, `Fn::Join` joined. Mirrors cdk-nag's
 * internal `flattenCfnReference`, so acknowledgements name the exact resource.
 */
export function nagFlatten(scope: IConstruct, value: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (Array.isArray(o['Fn::Join'])) {
        const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
        return items.map(visit).join(delimiter);
      }
      if (o['Fn::Sub'] !== undefined) return visit(o['Fn::Sub']);
      if (Array.isArray(o['Fn::GetAtt'])) {
        const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
        return `<${visit(resource)}.${visit(attribute)}>`;
      }
      if (o['Fn::ImportValue'] !== undefined) return visit(o['Fn::ImportValue']);
      if (o.Ref !== undefined) return `<${visit(o.Ref)}>`;
    }
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}
