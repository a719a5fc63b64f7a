/**
 * A named network namespace's dumps (sos's `ip netns exec <ns> …`) are a node of their own, named after the host:
 * a pod's or a CNI's rules and connections, which are not the host's and not a Kubernetes node's.
 */
const NETNS_NODE = / netns \S+$/;

export const netnsNodeName = (host: string, ns: string) => `${host} netns ${ns}`;

export const isNetnsNode = (name: string) => NETNS_NODE.test(name);
