//! Fixed test vectors, also published for other languages in
//! `docs/voucher-v1-vectors.md`. Keys are the dev seed `//Alice`.
use super::*;
use sp_core::{crypto::Pair as _, ecdsa, sr25519};

/// Escrow address of the vectors: bytes 0x00, 0x01, …, 0x1f.
fn escrow() -> [u8; 32] {
    core::array::from_fn(|i| i as u8)
}
const CHANNEL: u64 = 7;
const AMOUNT: u128 = 1_500_000_000_000;

const MESSAGE: &str = "67627261696e2f766f75636865722f76313a000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f07000000000000000098f73e5d0100000000000000000000";
const WRAPPED: &str = "3c42797465733e67627261696e2f766f75636865722f76313a000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f07000000000000000098f73e5d01000000000000000000003c2f42797465733e";
const SR_PUBLIC: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
/// sr25519 signatures are randomized: this is one valid signature, not the only one.
const SR_SIG: &str = "6afcb49083c658d20a44614686b8b6510b231b83321159ce9d60ea961b894d3b72da6dc76bca9a380a48a4d5f7ee813961e9e6d5ef5832394ea02803454adc8d";
const SR_SIG_WRAPPED: &str = "74588315a31ee0ce486a0321369dd21ee7b188b2b75fdcb605c91a498e5a83515a0567c2e9d0fa3b19083eed53547743dcf218e1e50a0d6034677a520388058b";
const EC_PUBLIC: &str = "020a1091341fe5664bfa1782d5e04779689068c916b04cb365ec3153755684d9a1";
/// ECDSA (RFC 6979) is deterministic: this is the signature.
const EC_SIG: &str = "bb36eb1866bece88c3bdf6e16691a51743b9ea7da9c1bfe25821b37006e9b4fc2c511735ed5c4d7f2591d87afe22d8096f5e964eb6d97e3f1dc2a168e0307b4001";

fn arr<const N: usize>(h: &str) -> [u8; N] {
    hex::decode(h).unwrap().try_into().unwrap()
}

#[test]
fn message_layout_is_byte_exact() {
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    assert_eq!(m.len(), 74);
    assert_eq!(&m[..18], b"gbrain/voucher/v1:");
    assert_eq!(m[18..50], escrow());
    assert_eq!(m[50..58], 7u64.to_le_bytes());
    assert_eq!(m[58..], AMOUNT.to_le_bytes());
    assert_eq!(hex::encode(m), MESSAGE);
    assert_eq!(parse_voucher_message(&m), Some((escrow(), CHANNEL, AMOUNT)));
}

#[test]
fn parse_rejects_wrong_length_and_domain() {
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    assert_eq!(parse_voucher_message(&m[..73]), None);
    let mut bad = m;
    bad[0] = b'G';
    assert_eq!(parse_voucher_message(&bad), None);
}

#[test]
fn wrapped_message_is_bytes_tagged() {
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    let w = wrapped_voucher_message(&m);
    assert_eq!(hex::encode(w), WRAPPED);
    assert!(w.starts_with(b"<Bytes>") && w.ends_with(b"</Bytes>"));
    assert_eq!(&w[7..81], &m[..]);
}

#[test]
fn sr25519_vector_verifies_with_context_substrate() {
    let alice = sr25519::Pair::from_string("//Alice", None).unwrap();
    let public = sr25519::Public::from_raw(arr(SR_PUBLIC));
    assert_eq!(alice.public(), public);
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    let sig = sr25519::Signature::from_raw(arr(SR_SIG));
    assert!(sr25519::Pair::verify(&sig, m, &public));
    // A fresh signature verifies too (signatures are randomized).
    assert!(sr25519::Pair::verify(&alice.sign(&m), m, &public));
    // The same signature does not cover another channel, amount or escrow.
    assert!(!sr25519::Pair::verify(
        &sig,
        voucher_message(&escrow(), 8, AMOUNT),
        &public
    ));
    assert!(!sr25519::Pair::verify(
        &sig,
        voucher_message(&escrow(), CHANNEL, AMOUNT + 1),
        &public
    ));
    assert!(!sr25519::Pair::verify(
        &sig,
        voucher_message(&[9; 32], CHANNEL, AMOUNT),
        &public
    ));
}

#[test]
fn sr25519_wrapped_vector_verifies_only_over_wrapper() {
    let public = sr25519::Public::from_raw(arr(SR_PUBLIC));
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    let sig = sr25519::Signature::from_raw(arr(SR_SIG_WRAPPED));
    assert!(sr25519::Pair::verify(
        &sig,
        wrapped_voucher_message(&m),
        &public
    ));
    assert!(!sr25519::Pair::verify(&sig, m, &public));
}

#[test]
fn ecdsa_vector_is_deterministic_and_recovers_the_key() {
    let alice = ecdsa::Pair::from_string("//Alice", None).unwrap();
    assert_eq!(hex::encode(alice.public().0), EC_PUBLIC);
    let m = voucher_message(&escrow(), CHANNEL, AMOUNT);
    let sig = alice.sign(&m);
    assert_eq!(hex::encode(sig.0), EC_SIG);
    // What escrow does on chain: recover from blake2_256(message), compare compressed keys.
    let hash = sp_core::hashing::blake2_256(&m);
    let recovered = sig.recover_prehashed(&hash).unwrap();
    assert_eq!(recovered.0, arr::<33>(EC_PUBLIC));
    let other = voucher_message(&escrow(), CHANNEL, AMOUNT - 1);
    assert_ne!(
        sig.recover_prehashed(&sp_core::hashing::blake2_256(&other))
            .map(|p| p.0),
        Some(arr::<33>(EC_PUBLIC))
    );
}
