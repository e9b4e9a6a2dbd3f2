//! Voucher v1 off chain: sign, and verify exactly as escrow does on chain.
//!
//! The toolkit every off-chain component uses (provider gateway, client SDK, deploy
//! tool, tests). The byte format is `gb_interfaces::voucher` (DESIGN.md §3); this crate
//! adds the keys and the checks:
//!
//! * [`VoucherSigner`]: anything that can sign a voucher message (implement it for an
//!   external wallet); [`VoucherKey`]: sr25519, `<Bytes>`-wrapped sr25519 (what browser
//!   wallets' `signRaw` produces) and ecdsa keys from a secret URI or seed.
//! * [`sign`]: the signed [`Voucher`] for a cumulative amount.
//! * [`verify`]: accepts exactly what escrow's `ChainVerifier` accepts for a channel
//!   whose signer passed escrow's `check_signer` (a differential property test in
//!   escrow holds the two together).
//! * [`vectors`]: the published test vectors, `docs/voucher-v1-vectors.json`.
//!
//! ```
//! use gb_voucher::VoucherSigner as _;
//! let key = gb_voucher::VoucherKey::sr25519("//Alice").unwrap();
//! let escrow = [7u8; 32];
//! let voucher = gb_voucher::sign(&key, &escrow, 1, 500);
//! assert_eq!(gb_voucher::verify(&key.signer(), &escrow, &voucher), Ok(()));
//! ```

mod key;
pub mod vectors;
mod verify;

pub use gb_interfaces::{
    voucher_message, wrapped_voucher_message, Balance, ChannelId, Signer, Voucher,
    VoucherSignature, VOUCHER_LEN,
};
pub use key::{KeyError, VoucherKey, VoucherSigner};
pub use verify::{check_signer, verify, verify_message, VoucherError};

/// Signs the voucher authorizing `amount` in **total** (cumulative, DESIGN.md §3) over
/// `channel_id` of the escrow contract at `escrow` (its raw 32-byte AccountId).
pub fn sign<K: VoucherSigner + ?Sized>(
    key: &K,
    escrow: &[u8; 32],
    channel_id: ChannelId,
    amount: Balance,
) -> Voucher {
    let message = voucher_message(escrow, channel_id, amount);
    Voucher::new(channel_id, amount, key.sign_message(&message))
}

#[cfg(test)]
mod tests;
