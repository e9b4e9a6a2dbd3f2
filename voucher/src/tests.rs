//! Signing and off-chain verification against the published vectors and escrow's rules
//! (the rule-by-rule equivalence with escrow's on-chain verifier is escrow's
//! differential property test, `escrow/src/verify/differential_tests.rs`).

use super::*;
use gb_interfaces::{BYTES_PREFIX, BYTES_SUFFIX};

fn alice_sr() -> VoucherKey {
    VoucherKey::sr25519(&vectors::v1().keys.sr25519.suri).unwrap()
}
fn alice_ec() -> VoucherKey {
    VoucherKey::ecdsa(&vectors::v1().keys.ecdsa.suri).unwrap()
}
fn with_signature(v: &vectors::Vector, signature: VoucherSignature) -> Voucher {
    Voucher::new(v.channel_id, v.amount, signature)
}

#[test]
fn the_embedded_vectors_parse() {
    let all = vectors::v1();
    assert_eq!(all.vectors.len(), 3);
    assert!(all.about.contains("voucher v1"));
}

#[test]
fn keys_from_uris_and_seeds_are_the_vector_keys() {
    let keys = vectors::v1().keys;
    assert_eq!(alice_sr().signer(), Signer::Sr25519(keys.sr25519.public));
    let wrapped = VoucherKey::sr25519_wrapped(&keys.sr25519.suri).unwrap();
    assert_eq!(wrapped.signer(), Signer::Sr25519(keys.sr25519.public));
    assert_eq!(alice_ec().signer(), Signer::Ecdsa(keys.ecdsa.public));
    let from_seed = VoucherKey::ecdsa_from_seed(&keys.ecdsa.secret).unwrap();
    assert_eq!(from_seed.signer(), Signer::Ecdsa(keys.ecdsa.public));
    // The same seed is another sr25519 key than ecdsa's, but a stable one.
    let sr_seed = VoucherKey::sr25519_from_seed(&[7; 32]);
    assert_eq!(
        sr_seed.signer(),
        VoucherKey::sr25519_from_seed(&[7; 32]).signer()
    );
}

#[test]
fn sign_makes_the_vector_voucher() {
    let (sr, ec) = (alice_sr(), alice_ec());
    for v in vectors::v1().vectors {
        let voucher = sign(&ec, &v.escrow, v.channel_id, v.amount);
        assert_eq!(
            voucher,
            with_signature(&v, VoucherSignature::Ecdsa(v.ecdsa_signature))
        );
        let voucher = sign(&sr, &v.escrow, v.channel_id, v.amount);
        assert_eq!(
            (voucher.channel_id, voucher.amount),
            (v.channel_id, v.amount)
        );
        assert_eq!(verify(&sr.signer(), &v.escrow, &voucher), Ok(()));
    }
}

#[test]
fn the_vector_signatures_verify_in_both_forms() {
    let (sr, ec) = (alice_sr().signer(), alice_ec().signer());
    for v in vectors::v1().vectors {
        for sig in [v.sr25519_signature, v.sr25519_wrapped_signature] {
            let voucher = with_signature(&v, VoucherSignature::Sr25519(sig));
            assert_eq!(verify(&sr, &v.escrow, &voucher), Ok(()));
            assert_eq!(verify_message(&sr, &v.message, &voucher.signature), Ok(()));
        }
        let voucher = with_signature(&v, VoucherSignature::Ecdsa(v.ecdsa_signature));
        assert_eq!(verify(&ec, &v.escrow, &voucher), Ok(()));
    }
}

#[test]
fn a_wrapped_key_signs_the_bytes_wrapper() {
    let key = alice_sr().wrapped();
    let v = &vectors::v1().vectors[0];
    let voucher = sign(&key, &v.escrow, v.channel_id, v.amount);
    assert_eq!(verify(&key.signer(), &v.escrow, &voucher), Ok(()));
    // Over the wrapper, not over the message: sp-core's plain verify tells them apart.
    use sp_core::{sr25519, Pair as _};
    let VoucherSignature::Sr25519(raw) = voucher.signature else {
        panic!("sr25519")
    };
    let sig = sr25519::Signature::from_raw(raw);
    let public = sr25519::Public::from_raw(vectors::v1().keys.sr25519.public);
    assert!(sr25519::Pair::verify(&sig, v.wrapped_message, &public));
    assert!(!sr25519::Pair::verify(&sig, v.message, &public));
    // `wrapped` leaves an ecdsa key as it is (escrow takes the wrapper for sr25519 only).
    let ec = alice_ec().wrapped();
    assert!(matches!(ec, VoucherKey::Ecdsa(_)));
}

#[test]
fn rejections_carry_escrow_s_error_kinds() {
    let (sr, ec) = (alice_sr(), alice_ec());
    let bob = VoucherKey::sr25519("//Bob").unwrap();
    let escrow = [0xE5; 32];
    let good = sign(&sr, &escrow, 1, 500);
    let bad = Err(VoucherError::InvalidSignature);
    assert_eq!(verify(&bob.signer(), &escrow, &good), bad);
    assert_eq!(verify(&sr.signer(), &[0xAB; 32], &good), bad);
    assert_eq!(
        verify(
            &sr.signer(),
            &escrow,
            &Voucher {
                channel_id: 2,
                ..good
            }
        ),
        bad
    );
    assert_eq!(
        verify(
            &sr.signer(),
            &escrow,
            &Voucher {
                amount: 501,
                ..good
            }
        ),
        bad
    );
    // Half-wrapped bytes are no voucher.
    let message = voucher_message(&escrow, 1, 500);
    let prefixed = [BYTES_PREFIX.as_slice(), &message].concat();
    let half = Voucher {
        signature: sr.sign_message(&prefixed),
        ..good
    };
    assert_eq!(verify(&sr.signer(), &escrow, &half), bad);
    let suffixed = [message.as_slice(), BYTES_SUFFIX].concat();
    let half = Voucher {
        signature: sr.sign_message(&suffixed),
        ..good
    };
    assert_eq!(verify(&sr.signer(), &escrow, &half), bad);
    // Schemes.
    let ec_voucher = sign(&ec, &escrow, 1, 500);
    let mismatch = Err(VoucherError::SchemeMismatch);
    assert_eq!(verify(&sr.signer(), &escrow, &ec_voucher), mismatch);
    assert_eq!(verify(&ec.signer(), &escrow, &good), mismatch);
    // Recovery ids: 0..=3 and 27..=30 only.
    let VoucherSignature::Ecdsa(raw) = ec_voucher.signature else {
        panic!("ecdsa")
    };
    for v in 0..=u8::MAX {
        let mut sig = raw;
        sig[64] = v;
        let result = verify(
            &ec.signer(),
            &escrow,
            &Voucher {
                signature: VoucherSignature::Ecdsa(sig),
                ..ec_voucher
            },
        );
        if v == raw[64] || v == raw[64] + 27 {
            assert_eq!(result, Ok(()), "v = {v}");
        } else {
            assert_eq!(result, bad, "v = {v}");
        }
    }
    // An uncompressed-looking ecdsa key is refused before any signature check.
    let Signer::Ecdsa(mut key) = ec.signer() else {
        panic!("ecdsa")
    };
    key[0] = 4;
    let refused = Err(VoucherError::InvalidSignerKey);
    assert_eq!(verify(&Signer::Ecdsa(key), &escrow, &ec_voucher), refused);
    assert_eq!(verify(&Signer::Ecdsa(key), &escrow, &good), refused);
    assert_eq!(check_signer(&Signer::Ecdsa(key)), refused);
    assert_eq!(check_signer(&ec.signer()), Ok(()));
    assert_eq!(check_signer(&Signer::Sr25519([0xFF; 32])), Ok(()));
}

#[test]
fn errors_explain_themselves_without_the_secret() {
    let err = VoucherKey::sr25519("not a uri").unwrap_err();
    assert_eq!(
        err,
        KeyError::InvalidUri {
            reason: sp_core::crypto::SecretStringError::InvalidPhrase
        }
    );
    assert_eq!(err.to_string(), "invalid secret URI: Invalid phrase");
    assert!(VoucherKey::ecdsa("//Alice//0x").is_ok());
    assert!(matches!(
        VoucherKey::ecdsa("0x12"),
        Err(KeyError::InvalidUri { .. })
    ));
    assert_eq!(
        VoucherKey::ecdsa_from_seed(&[0; 32]).unwrap_err(),
        KeyError::InvalidSeed
    );
    assert_eq!(
        VoucherKey::ecdsa_from_seed(&[0xFF; 32]).unwrap_err(),
        KeyError::InvalidSeed
    );
    assert!(VoucherError::SchemeMismatch
        .to_string()
        .starts_with("scheme mismatch"));
    assert!(VoucherError::InvalidSignature
        .to_string()
        .starts_with("invalid signature"));
    assert!(VoucherError::InvalidSignerKey
        .to_string()
        .contains("compressed"));
    // Debug shows the public key, never the secret.
    let keys = vectors::v1().keys;
    let debug = format!(
        "{:?}",
        VoucherKey::ecdsa_from_seed(&keys.ecdsa.secret).unwrap()
    );
    assert!(
        debug.starts_with("VoucherKey::Ecdsa(public 0x020a1091"),
        "{debug}"
    );
    assert!(!debug.contains("cb6df9de"), "{debug}");
    assert!(format!("{:?}", alice_sr().wrapped())
        .starts_with("VoucherKey::Sr25519Wrapped(public 0xd43593c7"));
}

/// An external wallet, as a gateway or SDK user would plug one in.
struct Wallet(VoucherKey);
impl VoucherSigner for Wallet {
    fn signer(&self) -> Signer {
        self.0.signer()
    }
    fn sign_message(&self, message: &[u8]) -> VoucherSignature {
        self.0.sign_message(message)
    }
}

#[test]
fn any_voucher_signer_signs() {
    let wallet = Wallet(alice_ec());
    let as_dyn: &dyn VoucherSigner = &wallet;
    let voucher = sign(as_dyn, &[1; 32], 3, 4);
    assert_eq!(voucher, sign(&&alice_ec(), &[1; 32], 3, 4));
    assert_eq!(verify(&wallet.signer(), &[1; 32], &voucher), Ok(()));
}

/// Issue 18, L2: the signer keys escrow refuses at open are refused here too, so a
/// gateway never accepts a voucher escrow could not have a channel for: the all-zero
/// sr25519 key (the Ristretto identity: the forged signature (R, s) = (B, 1) "verifies"
/// for it) and ecdsa keys that are not compressed curve points.
#[test]
fn degenerate_signer_keys_are_refused_like_escrow_refuses_them() {
    let refused = Err(VoucherError::InvalidSignerKey);
    let identity = Signer::Sr25519([0; 32]);
    assert_eq!(check_signer(&identity), refused);
    // The forgery would pass the signature check alone.
    let mut forged = [0u8; 64];
    forged[..32].copy_from_slice(&[
        0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51,
        0x5f, 0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d,
        0x2d, 0x76,
    ]);
    forged[32] = 1;
    forged[63] |= 0x80;
    let voucher = Voucher::new(1, 1_000, VoucherSignature::Sr25519(forged));
    assert_eq!(verify(&identity, &[7; 32], &voucher), refused);
    let mut off_curve = [0u8; 33];
    off_curve[0] = 2;
    off_curve[32] = 5; // 5³ + 7 is not a square mod p
    let mut not_a_field_element = [0xFF; 33];
    not_a_field_element[0] = 3;
    for key in [off_curve, not_a_field_element] {
        assert_eq!(check_signer(&Signer::Ecdsa(key)), refused, "{key:?}");
    }
    assert_eq!(check_signer(&alice_ec().signer()), Ok(()));
    assert_eq!(check_signer(&alice_sr().signer()), Ok(()));
}
