//! Signing and off-chain verification against the published vectors and escrow's rules
//! (the rule-by-rule equivalence with escrow's on-chain verifier is escrow's
//! differential property test, `escrow/src/verify/differential_tests.rs`).

use super::*;
use gb_interfaces::voucher::v1;
use gb_interfaces::{BYTES_PREFIX, BYTES_SUFFIX};

fn alice_sr() -> VoucherKey {
    VoucherKey::sr25519(&vectors::v1().keys.sr25519.suri).unwrap()
}
fn alice_ec() -> VoucherKey {
    VoucherKey::ecdsa(&vectors::v1().keys.ecdsa.suri).unwrap()
}
fn with_signature(v: &vectors::VectorV2, signature: VoucherSignature) -> Voucher {
    Voucher::new(v.channel_id, v.amount, signature)
}
fn domain(genesis_hash: u8, escrow: u8) -> VoucherDomain {
    VoucherDomain::new([genesis_hash; 32], [escrow; 32])
}

#[test]
fn the_embedded_vectors_parse() {
    let all = vectors::v1();
    assert_eq!(all.vectors.len(), 3);
    assert!(all.about.contains("voucher v1"));
    let all = vectors::v2();
    assert_eq!(all.vectors.len(), 4);
    assert!(all.about.contains("voucher v2"));
    assert_eq!(all.keys, vectors::v1().keys);
}

/// The published v2 files are what `vectors::generate_v2` makes (its sr25519
/// signatures are randomized: the published ones must verify instead), and the .md is
/// exactly `vectors::markdown_v2` of the .json.
#[test]
fn the_published_v2_vectors_are_the_generator_s() {
    let published = vectors::v2();
    let fresh = vectors::generate_v2();
    assert_eq!(published.about, fresh.about);
    assert_eq!(published.keys, fresh.keys);
    assert_eq!(published.vectors.len(), fresh.vectors.len());
    let sr = alice_sr().signer();
    for (p, f) in published.vectors.iter().zip(&fresh.vectors) {
        let same_but_sr25519 = vectors::VectorV2 {
            sr25519_signature: p.sr25519_signature,
            sr25519_wrapped_signature: p.sr25519_wrapped_signature,
            ..f.clone()
        };
        assert_eq!(
            p, &same_but_sr25519,
            "regenerate the files (vectors::generate_v2)"
        );
        for sig in [p.sr25519_signature, p.sr25519_wrapped_signature] {
            let voucher = with_signature(p, VoucherSignature::Sr25519(sig));
            assert_eq!(verify(&sr, &p.domain(), &voucher), Ok(()));
        }
    }
    assert_eq!(
        include_str!("../../docs/voucher-v2-vectors.md"),
        vectors::markdown_v2(&published),
        "docs/voucher-v2-vectors.md is not the .json's (vectors::markdown_v2)"
    );
}

/// Writes `docs/voucher-v2-vectors.{json,md}` afresh:
/// `GB_WRITE_VECTORS=1 cargo test -p gb-voucher --lib write_v2_vectors -- --ignored`.
#[test]
#[ignore = "writes docs/voucher-v2-vectors.{json,md}; run on purpose"]
fn write_v2_vectors() {
    if std::env::var_os("GB_WRITE_VECTORS").is_none() {
        return;
    }
    let v = vectors::generate_v2();
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs");
    let json = serde_json::to_string_pretty(&v).unwrap() + "\n";
    std::fs::write(format!("{docs}/voucher-v2-vectors.json"), json).unwrap();
    std::fs::write(
        format!("{docs}/voucher-v2-vectors.md"),
        vectors::markdown_v2(&v),
    )
    .unwrap();
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
    for v in vectors::v2().vectors {
        let voucher = sign(&ec, &v.domain(), v.channel_id, v.amount);
        assert_eq!(
            voucher,
            with_signature(&v, VoucherSignature::Ecdsa(v.ecdsa_signature))
        );
        let voucher = sign(&sr, &v.domain(), v.channel_id, v.amount);
        assert_eq!(
            (voucher.channel_id, voucher.amount),
            (v.channel_id, v.amount)
        );
        assert_eq!(verify(&sr.signer(), &v.domain(), &voucher), Ok(()));
    }
}

#[test]
fn the_vector_signatures_verify_in_both_forms() {
    let (sr, ec) = (alice_sr().signer(), alice_ec().signer());
    for v in vectors::v2().vectors {
        for sig in [v.sr25519_signature, v.sr25519_wrapped_signature] {
            let voucher = with_signature(&v, VoucherSignature::Sr25519(sig));
            assert_eq!(verify(&sr, &v.domain(), &voucher), Ok(()));
            assert_eq!(verify_message(&sr, &v.message, &voucher.signature), Ok(()));
        }
        let voucher = with_signature(&v, VoucherSignature::Ecdsa(v.ecdsa_signature));
        assert_eq!(verify(&ec, &v.domain(), &voucher), Ok(()));
    }
}

/// Issue 18, L8: a voucher names its chain. Vectors 1 and 2 are the same escrow
/// address, channel and amount on Polkadot and on Kusama: no signature of one verifies
/// for the other.
#[test]
fn a_voucher_of_one_chain_is_refused_on_another() {
    let (sr, ec) = (alice_sr(), alice_ec());
    let all = vectors::v2().vectors;
    let (polkadot, kusama) = (&all[0], &all[1]);
    assert_eq!(
        (polkadot.escrow, polkadot.channel_id, polkadot.amount),
        (kusama.escrow, kusama.channel_id, kusama.amount)
    );
    assert_ne!(polkadot.genesis_hash, kusama.genesis_hash);
    let bad = Err(VoucherError::InvalidSignature);
    for (a, b) in [(polkadot, kusama), (kusama, polkadot)] {
        for signature in [
            VoucherSignature::Sr25519(a.sr25519_signature),
            VoucherSignature::Sr25519(a.sr25519_wrapped_signature),
            VoucherSignature::Ecdsa(a.ecdsa_signature),
        ] {
            let voucher = with_signature(a, signature);
            let signer = match signature {
                VoucherSignature::Sr25519(_) => sr.signer(),
                VoucherSignature::Ecdsa(_) => ec.signer(),
            };
            assert_eq!(verify(&signer, &a.domain(), &voucher), Ok(()));
            assert_eq!(verify(&signer, &b.domain(), &voucher), bad);
        }
    }
    // Fresh signatures too, in both schemes, and the wrapped form.
    let (here, there) = (domain(0xA1, 0xE5), domain(0xA2, 0xE5));
    for key in [sr.clone(), sr.wrapped(), ec] {
        let voucher = sign(&key, &here, 3, 1_000);
        assert_eq!(verify(&key.signer(), &here, &voucher), Ok(()));
        assert_eq!(verify(&key.signer(), &there, &voucher), bad);
    }
}

/// A v1 voucher (no chain) is no v2 voucher, on any chain: the published v1 signatures
/// are refused, as escrow refuses them.
#[test]
fn v1_vouchers_are_refused() {
    let (sr, ec) = (alice_sr(), alice_ec());
    let bad = Err(VoucherError::InvalidSignature);
    for v in vectors::v1().vectors {
        assert_eq!(
            v1::voucher_message(&v.escrow, v.channel_id, v.amount),
            v.message
        );
        for genesis_hash in [[0; 32], vectors::POLKADOT_GENESIS] {
            let domain = VoucherDomain::new(genesis_hash, v.escrow);
            for (signer, signature) in [
                (sr.signer(), VoucherSignature::Sr25519(v.sr25519_signature)),
                (
                    sr.signer(),
                    VoucherSignature::Sr25519(v.sr25519_wrapped_signature),
                ),
                (ec.signer(), VoucherSignature::Ecdsa(v.ecdsa_signature)),
            ] {
                let voucher = Voucher::new(v.channel_id, v.amount, signature);
                assert_eq!(verify(&signer, &domain, &voucher), bad);
            }
        }
    }
}

#[test]
fn a_wrapped_key_signs_the_bytes_wrapper() {
    let key = alice_sr().wrapped();
    let v = &vectors::v2().vectors[0];
    let voucher = sign(&key, &v.domain(), v.channel_id, v.amount);
    assert_eq!(verify(&key.signer(), &v.domain(), &voucher), Ok(()));
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
    let escrow = domain(0x91, 0xE5);
    let good = sign(&sr, &escrow, 1, 500);
    let bad = Err(VoucherError::InvalidSignature);
    assert_eq!(verify(&bob.signer(), &escrow, &good), bad);
    assert_eq!(verify(&sr.signer(), &domain(0x91, 0xAB), &good), bad);
    assert_eq!(verify(&sr.signer(), &domain(0xB0, 0xE5), &good), bad);
    // The chain and the escrow swapped are another domain.
    assert_eq!(verify(&sr.signer(), &domain(0xE5, 0x91), &good), bad);
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
    let voucher = sign(as_dyn, &domain(2, 1), 3, 4);
    assert_eq!(voucher, sign(&&alice_ec(), &domain(2, 1), 3, 4));
    assert_eq!(verify(&wallet.signer(), &domain(2, 1), &voucher), Ok(()));
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
    assert_eq!(verify(&identity, &domain(1, 7), &voucher), refused);
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
