//! Voucher v2 off chain: sign, and verify exactly as escrow does on chain.
//!
//! The toolkit every off-chain component uses (provider gateway, client SDK, deploy
//! tool, tests). The byte format is `gb_interfaces::voucher` (v2: DESIGN.md §3's v1
//! with the chain's genesis hash, issue 18 L8); this crate adds the keys and the checks:
//!
//! * [`VoucherSigner`]: anything that can sign a voucher message (implement it for an
//!   external wallet); [`VoucherKey`]: sr25519, `<Bytes>`-wrapped sr25519 (what browser
//!   wallets' `signRaw` produces) and ecdsa keys from a secret URI or seed.
//! * [`sign`]: the signed [`Voucher`] for a cumulative amount, in a [`VoucherDomain`]
//!   (the chain's genesis hash and the escrow's address: escrow's
//!   `config().genesis_hash` and its AccountId).
//! * [`verify`]: accepts exactly what escrow's `ChainVerifier` accepts for a channel
//!   whose signer passed escrow's `check_signer` (a differential property test in
//!   escrow holds the two together).
//! * [`vectors`]: the published test vectors, `docs/voucher-v2-vectors.json` (and the
//!   superseded v1's, `docs/voucher-v1-vectors.json`).
//!
//! ```
//! use gb_voucher::{VoucherDomain, VoucherSigner as _};
//! let key = gb_voucher::VoucherKey::sr25519("//Alice").unwrap();
//! let domain = VoucherDomain::new([0x91; 32], [7u8; 32]); // genesis hash, escrow
//! let voucher = gb_voucher::sign(&key, &domain, 1, 500);
//! assert_eq!(gb_voucher::verify(&key.signer(), &domain, &voucher), Ok(()));
//! // The same escrow address on another chain is another domain.
//! let elsewhere = VoucherDomain::new([0xB0; 32], [7u8; 32]);
//! assert!(gb_voucher::verify(&key.signer(), &elsewhere, &voucher).is_err());
//! ```

mod key;
pub mod vectors;
mod verify;

pub use gb_interfaces::{
    voucher_message, wrapped_voucher_message, Balance, ChannelId, Signer, Voucher, VoucherDomain,
    VoucherSignature, VOUCHER_LEN,
};
pub use key::{KeyError, VoucherKey, VoucherSigner};
pub use verify::{check_signer, verify, verify_message, VoucherError};

/// Signs the v2 voucher authorizing `amount` in **total** (cumulative, DESIGN.md §3)
/// over `channel_id` of the escrow `domain.escrow` on the chain `domain.genesis_hash`.
pub fn sign<K: VoucherSigner + ?Sized>(
    key: &K,
    domain: &VoucherDomain,
    channel_id: ChannelId,
    amount: Balance,
) -> Voucher {
    let message = voucher_message(domain, channel_id, amount);
    Voucher::new(channel_id, amount, key.sign_message(&message))
}

#[cfg(test)]
mod tests;
