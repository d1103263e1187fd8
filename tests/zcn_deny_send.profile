# The AppArmor profile tests/adv_lsm.c's adv_lsm_send_denied moves a child
# into: network allowed, except sending, so the stock kernel lets it read
# the error queue of a socket it inherited and denies it sendmsg().
abi <abi/4.0>,

profile zcn_deny_send {
  file,
  capability,
  signal,
  unix,
  network,
  deny network send,
}
