//! Tests of `ChainVerifier` and `check_signer` with real keys (sp-core), through ink's
//! off-chain engine, which implements both host functions (`sr25519_verify` with the
//! `substrate` signing context, `ecdsa_recover` with recovery ids 0..=3 and 27..=30).
//! Off-chain limitation: the engine *panics* (where the chain returns an error) on an
//! ecdsa signature whose r or s is not below the curve order, so garbage ecdsa
//! signatures here use small r and s.

use super::*;
use gb_interfaces::voucher::v1;
use gb_interfaces::{voucher_message, wrapped_voucher_message, VoucherDomain};
use gb_voucher::{VoucherKey, VoucherSigner};

const GENESIS: [u8; 32] = [0x91; 32];
const ESCROW_ADDRESS: [u8; 32] = [0xE5; 32];
/// This escrow on this chain.
const ESCROW: VoucherDomain = VoucherDomain::new(GENESIS, ESCROW_ADDRESS);

fn sr(suri: &str) -> VoucherKey {
    VoucherKey::sr25519(suri).unwrap()
}
fn ec(suri: &str) -> VoucherKey {
    VoucherKey::ecdsa(suri).unwrap()
}
fn verify(signer: &Signer, msg: &[u8; VOUCHER_LEN], sig: &VoucherSignature) -> Result<()> {
    ChainVerifier.verify(signer, msg, sig)
}

#[cfg(not(feature = "ecdsa-only"))]
#[ink::test]
fn the_signed_bytes_are_the_106_byte_v2_layout() {
    // Built by hand (DESIGN.md §3's v1 with the genesis hash after a v2 tag),
    // independently of `voucher_message`.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"gbrain/voucher/v2:");
    bytes.extend_from_slice(&GENESIS);
    bytes.extend_from_slice(&ESCROW_ADDRESS);
    bytes.extend_from_slice(&7u64.to_le_bytes());
    bytes.extend_from_slice(&1_234u128.to_le_bytes());
    let msg = voucher_message(&ESCROW, 7, 1_234);
    assert_eq!(&msg[..], &bytes[..]);
    assert_eq!(&msg[..18], gb_interfaces::VOUCHER_DOMAIN);
    // A signature over the hand-built bytes verifies against the library's message.
    let alice = sr("//Alice");
    let signer = alice.signer();
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&bytes)), Ok(()));
}

#[cfg(not(feature = "ecdsa-only"))]
#[ink::test]
fn sr25519_plain_and_wallet_wrapped_vouchers_verify() {
    let alice = sr("//Alice");
    let signer = alice.signer();
    let msg = voucher_message(&ESCROW, 1, 500);
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&msg)), Ok(()));
    let wrapped = wrapped_voucher_message(&msg);
    assert_eq!(&wrapped[..7], b"<Bytes>");
    assert_eq!(&wrapped[wrapped.len() - 8..], b"</Bytes>");
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&wrapped)), Ok(()));
}

/// The `escrow-ecdsa` build refuses every sr25519 voucher, a valid one included, with
/// `SchemeUnsupported` (it cannot check it, so it never accepts it); ecdsa still works.
/// Run by `cargo test -p escrow --features ecdsa-only verify::` (scripts/test.sh).
#[cfg(feature = "ecdsa-only")]
#[ink::test]
fn ecdsa_only_build_refuses_sr25519_vouchers_and_verifies_ecdsa() {
    assert!(!SR25519_SUPPORTED);
    let msg = voucher_message(&ESCROW, 1, 500);
    let alice = sr("//Alice");
    assert_eq!(
        verify(&alice.signer(), &msg, &alice.sign_message(&msg)),
        Err(Error::SchemeUnsupported)
    );
    let wrapped = wrapped_voucher_message(&msg);
    assert_eq!(
        verify(&alice.signer(), &msg, &alice.sign_message(&wrapped)),
        Err(Error::SchemeUnsupported)
    );
    let alice = ec("//Alice");
    assert_eq!(
        verify(&alice.signer(), &msg, &alice.sign_message(&msg)),
        Ok(())
    );
}

#[cfg(not(feature = "ecdsa-only"))]
#[ink::test]
fn sr25519_rejections() {
    let alice = sr("//Alice");
    let signer = alice.signer();
    let msg = voucher_message(&ESCROW, 1, 500);
    let bad = Err(Error::InvalidSignature);
    // Another key signed.
    assert_eq!(verify(&signer, &msg, &sr("//Bob").sign_message(&msg)), bad);
    // The right key, other messages: another channel, amount, escrow instance, chain.
    for other in [
        voucher_message(&ESCROW, 2, 500),
        voucher_message(&ESCROW, 1, 501),
        voucher_message(&VoucherDomain::new(GENESIS, [0xAB; 32]), 1, 500),
        voucher_message(&VoucherDomain::new([0xB0; 32], ESCROW_ADDRESS), 1, 500),
    ] {
        assert_eq!(verify(&signer, &msg, &alice.sign_message(&other)), bad);
        let wrapped = wrapped_voucher_message(&other);
        assert_eq!(verify(&signer, &msg, &alice.sign_message(&wrapped)), bad);
    }
    // The v1 message of the same escrow, channel and amount (no chain), plain and
    // wrapped.
    let old = v1::voucher_message(&ESCROW_ADDRESS, 1, 500);
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&old)), bad);
    let old_wrapped = v1::wrapped_voucher_message(&old);
    assert_eq!(
        verify(&signer, &msg, &alice.sign_message(&old_wrapped)),
        bad
    );
    // Half-wrapped and differently-wrapped bytes are not accepted.
    let mut prefixed = b"<Bytes>".to_vec();
    prefixed.extend_from_slice(&msg);
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&prefixed)), bad);
    // Garbage signature bytes and a public key that is no curve point.
    assert_eq!(
        verify(&signer, &msg, &VoucherSignature::Sr25519([0; 64])),
        bad
    );
    let sig = alice.sign_message(&msg);
    assert_eq!(verify(&Signer::Sr25519([0xFF; 32]), &msg, &sig), bad);
}

#[ink::test]
fn ecdsa_vouchers_verify_by_recovering_the_compressed_key() {
    let alice = ec("//Alice");
    let signer = alice.signer();
    let msg = voucher_message(&ESCROW, 3, 42);
    let VoucherSignature::Ecdsa(raw) = alice.sign_message(&msg) else {
        unreachable!()
    };
    assert!(raw[64] <= 3, "sp-core gives a 0-based recovery id");
    assert_eq!(verify(&signer, &msg, &VoucherSignature::Ecdsa(raw)), Ok(()));
    // The Ethereum-style recovery id (27 + id) is accepted too.
    let mut eth = raw;
    eth[64] += 27;
    assert_eq!(verify(&signer, &msg, &VoucherSignature::Ecdsa(eth)), Ok(()));
}

#[ink::test]
fn ecdsa_rejections() {
    let alice = ec("//Alice");
    let signer = alice.signer();
    let msg = voucher_message(&ESCROW, 3, 42);
    let bad = Err(Error::InvalidSignature);
    // The v1 message of the same escrow, channel and amount (no chain).
    let old = v1::voucher_message(&ESCROW_ADDRESS, 3, 42);
    assert_eq!(verify(&signer, &msg, &alice.sign_message(&old)), bad);
    assert_eq!(verify(&signer, &msg, &ec("//Bob").sign_message(&msg)), bad);
    for other in [
        voucher_message(&ESCROW, 4, 42),
        voucher_message(&ESCROW, 3, 43),
        voucher_message(&VoucherDomain::new(GENESIS, [0xAB; 32]), 3, 42),
        voucher_message(&VoucherDomain::new([0xB0; 32], ESCROW_ADDRESS), 3, 42),
    ] {
        assert_eq!(verify(&signer, &msg, &alice.sign_message(&other)), bad);
    }
    // Recovery ids outside 0..=3 and 27..=30 are refused before the host call.
    let VoucherSignature::Ecdsa(raw) = alice.sign_message(&msg) else {
        unreachable!()
    };
    for v in [4u8, 26, 31, 255] {
        let mut sig = raw;
        sig[64] = v;
        assert_eq!(verify(&signer, &msg, &VoucherSignature::Ecdsa(sig)), bad);
    }
    // Well-formed garbage recovers some other key (or none).
    let mut junk = [1u8; 65];
    junk[64] = 0;
    assert_eq!(verify(&signer, &msg, &VoucherSignature::Ecdsa(junk)), bad);
}

#[ink::test]
fn a_signature_of_the_other_scheme_is_a_scheme_mismatch() {
    let msg = voucher_message(&ESCROW, 1, 1);
    let sr_signer = sr("//Alice").signer();
    let ec_signer = ec("//Alice").signer();
    let sr_signature = sr("//Alice").sign_message(&msg);
    let ec_signature = ec("//Alice").sign_message(&msg);
    assert_eq!(
        verify(&sr_signer, &msg, &ec_signature),
        Err(Error::SchemeMismatch)
    );
    assert_eq!(
        verify(&ec_signer, &msg, &sr_signature),
        Err(Error::SchemeMismatch)
    );
}

#[ink::test]
fn check_signer_accepts_compressed_ecdsa_keys_only() {
    let Signer::Ecdsa(key) = ec("//Alice").signer() else {
        unreachable!()
    };
    assert!(key[0] == 2 || key[0] == 3);
    assert_eq!(check_signer(&Signer::Ecdsa(key)), Ok(()));
    for first in [0u8, 1, 4, 6, 7, 0xFF] {
        let mut k = key;
        k[0] = first;
        assert_eq!(
            check_signer(&Signer::Ecdsa(k)),
            Err(Error::InvalidSignerKey)
        );
    }
    let expected = if SR25519_SUPPORTED {
        Ok(())
    } else {
        Err(Error::SchemeUnsupported)
    };
    assert_eq!(check_signer(&Signer::Sr25519([9; 32])), expected);
}

/// The Ristretto basepoint, compressed: with the identity as the "public key",
/// (R, s) = (B, 1) satisfies schnorrkel's check R == s·B − k·A for every message.
#[cfg(not(feature = "ecdsa-only"))]
const BASEPOINT: [u8; 32] = [
    0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f,
    0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76,
];

/// A signature anyone can make, valid for every message under the identity key.
#[cfg(not(feature = "ecdsa-only"))]
pub(crate) fn forged_identity_signature() -> VoucherSignature {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&BASEPOINT);
    sig[32] = 1; // s = 1, little endian
    sig[63] |= 0x80; // schnorrkel's marker bit
    VoucherSignature::Sr25519(sig)
}

/// Issue 18, L2: the all-zero sr25519 key (the Ristretto identity) verifies a
/// signature nobody signed, so escrow must refuse it as a channel's signer.
#[cfg(not(feature = "ecdsa-only"))]
#[ink::test]
fn the_identity_sr25519_key_verifies_a_forgery_so_check_signer_refuses_it() {
    let identity = Signer::Sr25519([0; 32]);
    let msg = voucher_message(&ESCROW, 1, 1_000_000);
    // The forgery: the chain's verifier accepts it for the identity key.
    assert_eq!(
        verify(&identity, &msg, &forged_identity_signature()),
        Ok(())
    );
    // And for no real key.
    assert_eq!(
        verify(&sr("//Alice").signer(), &msg, &forged_identity_signature()),
        Err(Error::InvalidSignature)
    );
    assert_eq!(check_signer(&identity), Err(Error::InvalidSignerKey));
    assert!(identity.has_degenerate_key());
    assert_eq!(check_signer(&sr("//Alice").signer()), Ok(()));
}

/// Issue 18, L2: an ecdsa key with a compressed prefix whose x is not on the curve
/// (x = 5: 5³ + 7 is not a square mod p) or not a field element (x ≥ p) is no key.
#[ink::test]
fn check_signer_refuses_ecdsa_keys_that_are_not_curve_points() {
    let mut off_curve = [0u8; 33];
    off_curve[0] = 2;
    off_curve[32] = 5;
    let mut too_big = [0xFF; 33];
    too_big[0] = 3;
    let zero_x = {
        let mut k = [0u8; 33];
        k[0] = 2;
        k
    };
    for key in [off_curve, too_big, zero_x] {
        assert_eq!(
            check_signer(&Signer::Ecdsa(key)),
            Err(Error::InvalidSignerKey),
            "{key:?}"
        );
    }
    // x = 1 is on the curve (1 + 7 = 8 is a square mod p): a point, if no one's key.
    let mut on_curve = [0u8; 33];
    on_curve[0] = 2;
    on_curve[32] = 1;
    assert_eq!(check_signer(&Signer::Ecdsa(on_curve)), Ok(()));
}
