//! Tests of `ChainVerifier` and `check_signer` with real keys (sp-core), through ink's
//! off-chain engine, which implements both host functions (`sr25519_verify` with the
//! `substrate` signing context, `ecdsa_recover` with recovery ids 0..=3 and 27..=30).
//! Off-chain limitation: the engine *panics* (where the chain returns an error) on an
//! ecdsa signature whose r or s is not below the curve order, so garbage ecdsa
//! signatures here use small r and s.

use super::*;
use gb_interfaces::{voucher_message, wrapped_voucher_message};
use gb_voucher::{VoucherKey, VoucherSigner};

const ESCROW: [u8; 32] = [0xE5; 32];

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
fn the_signed_bytes_are_the_74_byte_v1_layout() {
    // Built by hand from DESIGN.md §3, independently of `voucher_message`.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"gbrain/voucher/v1:");
    bytes.extend_from_slice(&ESCROW);
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
    // The right key, other messages: another channel, amount, escrow instance.
    for other in [
        voucher_message(&ESCROW, 2, 500),
        voucher_message(&ESCROW, 1, 501),
        voucher_message(&[0xAB; 32], 1, 500),
    ] {
        assert_eq!(verify(&signer, &msg, &alice.sign_message(&other)), bad);
        let wrapped = wrapped_voucher_message(&other);
        assert_eq!(verify(&signer, &msg, &alice.sign_message(&wrapped)), bad);
    }
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
    assert_eq!(verify(&signer, &msg, &ec("//Bob").sign_message(&msg)), bad);
    for other in [
        voucher_message(&ESCROW, 4, 42),
        voucher_message(&ESCROW, 3, 43),
        voucher_message(&[0xAB; 32], 3, 42),
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
