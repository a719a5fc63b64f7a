/** The `ip addr` and `ip route` of a small node (eth0 192.168.0.2/24, pods on cni0 10.244.0.0/24), pasted as a user would. */
import { dedent } from './dedent';

export const SMALL_NODE = dedent`
  root@n1:~# ip -o addr
  1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
  2: eth0    inet 192.168.0.2/24 brd 192.168.0.255 scope global eth0\       valid_lft forever preferred_lft forever
  3: cni0    inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0\       valid_lft forever preferred_lft forever
  root@n1:~# ip route
  default via 192.168.0.1 dev eth0
  10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1
  192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2
`;
