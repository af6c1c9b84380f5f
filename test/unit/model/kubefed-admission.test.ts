/** KubeFed's admission rules for its own kinds (pkg/apis/core/v1beta1/validation/validation.go), at the field. */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/model/load-model.ts';

function errorsOf(text: string) {
  const model = loadModel({ revision: null, files: new Map([['k.yaml', text]]), diagnostics: [] });
  return model.diagnostics.filter((d) => d.severity === 'error').map(({ code, line, field, message }) => ({ code, line, field, message }));
}

const cluster = (spec: string) => `apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: member1
spec:
${spec}`;

const typeConfig = (name: string, target: string, federated: string) => `apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: ${name}
spec:
  propagation: Enabled
  targetType:
${target}
  federatedType:
${federated}`;

const federatedWidget = '    group: types.kubefed.io\n    version: v1beta1\n    kind: FederatedWidget\n    pluralName: federatedwidgets\n    scope: Namespaced';
const widget = '    group: example.com\n    version: v1\n    kind: Widget\n    pluralName: widgets\n    scope: Namespaced';

describe('KubeFedCluster admission', () => {
  it('refuses an empty spec.apiEndpoint at its line', () => {
    expect(errorsOf(cluster('  apiEndpoint: ""\n'))).toEqual([
      { code: 'SchemaInvalid', line: 6, field: 'spec.apiEndpoint', message: expect.stringContaining('spec.apiEndpoint must be a URL such as https://member.example:6443') },
    ]);
  });

  it('refuses a scheme other than http or https and a port out of range; a bare host reads as https', () => {
    expect(errorsOf(cluster('  apiEndpoint: ftp://member1:6443\n')).map((e) => e.field)).toEqual(['spec.apiEndpoint']);
    expect(errorsOf(cluster('  apiEndpoint: https://member1:70000\n')).map((e) => e.field)).toEqual(['spec.apiEndpoint']);
    expect(errorsOf(cluster('  apiEndpoint: member1.example:6443\n'))).toEqual([]);
  });

  it('refuses "*" beside other disabledTLSValidations, a proxy scheme KubeFed did not support and a secret name that is no subdomain', () => {
    const found = errorsOf(cluster('  apiEndpoint: https://m:6443\n  disabledTLSValidations: ["*", SubjectName]\n  proxyURL: ftp://proxy:1080\n  secretRef:\n    name: Not_A_Name\n'));
    expect(found.map((e) => e.field)).toEqual(['spec.disabledTLSValidations', 'spec.proxyURL', 'spec.secretRef.name']);
  });
});

describe('FederatedTypeConfig admission', () => {
  it('refuses an empty spec.federatedType.group, and a group without a dot', () => {
    const empty = errorsOf(typeConfig('widgets.example.com', widget, federatedWidget.replace('group: types.kubefed.io', 'group: ""')));
    expect(empty).toEqual([{ code: 'SchemaInvalid', line: 14, field: 'spec.federatedType.group', message: expect.stringContaining('spec.federatedType.group must be a group with at least one dot') }]);
    const dotless = errorsOf(typeConfig('widgets.example.com', widget, federatedWidget.replace('group: types.kubefed.io', 'group: types')));
    expect(dotless.map((e) => [e.field, e.message.includes('at least one dot')])).toEqual([['spec.federatedType.group', true]]);
  });

  it('refuses a name that is not TARGET_PLURAL.TARGET_GROUP, and versions and kinds that are not DNS-1035 labels', () => {
    expect(errorsOf(typeConfig('gadgets.example.com', widget, federatedWidget)).map((e) => e.field)).toEqual(['metadata.name']);
    const bad = errorsOf(typeConfig('widgets.example.com', widget.replace('version: v1', 'version: V1'), federatedWidget.replace('kind: FederatedWidget', 'kind: Federated_Widget')));
    expect(bad.map((e) => e.field)).toEqual(['spec.targetType.version', 'spec.federatedType.kind']);
  });

  it('accepts a target without pluralName or group, defaulted from the name as KubeFed\'s defaulting webhook did', () => {
    expect(errorsOf(typeConfig('widgets.example.com', '    version: v1\n    kind: Widget\n    scope: Namespaced', federatedWidget))).toEqual([]);
  });
});
