//! The one place the gateway checks a voucher's signature (a voucher format v2 is one
//! edit here): `gb_voucher::verify`, escrow's exact rules, over the message rebuilt
//! from the gateway's own escrow address and the channel's signer from the chain.

use gb_interfaces::{Signer, Voucher};

/// True if `voucher` is signed by `signer` for the escrow at `escrow`.
pub fn verifies(signer: &Signer, escrow: &[u8; 32], voucher: &Voucher) -> bool {
    gb_voucher::verify(signer, escrow, voucher).is_ok()
}
