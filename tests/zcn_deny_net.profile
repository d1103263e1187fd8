# The AppArmor profile tests/adv_lsm.c moves a child into: no network at
# all, so the stock kernel denies it sendmsg() and recvmsg(MSG_ERRQUEUE)
# on a socket it inherited. ABI 4.0: the network rules are enforced on
# the kernels of the test lanes (bookworm's parser 3.0 leaves them not).
abi <abi/4.0>,

profile zcn_deny_net {
  file,
  capability,
  signal,
  unix,
  deny network,
}
