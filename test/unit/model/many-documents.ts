/** Test data: a repository's worth of realistic federated documents. */

/** Realistic federated documents of two shapes, one per file. */
export function manyDocuments(count: number): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const name = `app-${i}`;
    const text = i % 2 === 0
      ? `apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: ${name}
  namespace: team-${i % 50}
spec:
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      replicas: 3
      selector:
        matchLabels:
          app: ${name}
      template:
        metadata:
          labels:
            app: ${name}
        spec:
          containers:
          - name: main
            image: "registry.example.com/${name}:1.${i % 10}"
            ports:
            - containerPort: 8080
  placement:
    clusterSelector:
      matchLabels:
        region: eu
  overrides:
  - clusterName: cluster-a
    clusterOverrides:
    - path: /spec/replicas
      value: 5
`
      : `apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: ${name}
  namespace: team-${i % 50}
spec:
  template:
    data:
      LOG_LEVEL: info   # per-cluster value below
      FEATURE_X: "true"
  placement:
    clusters: []
`;
    files.set(`apps/${name}.yaml`, text);
  }
  return files;
}
