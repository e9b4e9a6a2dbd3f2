//! The one place the gateway checks a voucher's signature: `gb_voucher::verify`,
//! escrow's exact rules, over the voucher v2 message rebuilt from the gateway's own
//! domain (the chain's genesis hash, which escrow's `config()` was checked to hold at
//! start, and the escrow address) and the channel's signer from the chain.

use gb_interfaces::{Signer, Voucher, VoucherDomain};

/// True if `voucher` is signed by `signer` for the escrow and chain of `domain`.
pub fn verifies(signer: &Signer, domain: &VoucherDomain, voucher: &Voucher) -> bool {
    gb_voucher::verify(signer, domain, voucher).is_ok()
}
