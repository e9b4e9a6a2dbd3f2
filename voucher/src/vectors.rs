//! The published voucher test vectors, embedded and typed, so that the tests of every
//! implementation (this crate, `gb-interfaces`, an SDK, the gateway) check the same
//! bytes:
//!
//! * v2 (current): `docs/voucher-v2-vectors.json`, explained for other languages in
//!   `docs/voucher-v2-vectors.md`; written by [`generate_v2`] (see its doc for the
//!   command) and checked against it by this crate's tests.
//! * v1 (superseded, escrow refuses it): `docs/voucher-v1-vectors.json` and `.md`.

use gb_interfaces::serde_fmt::{decimal, hex_bytes};
use gb_interfaces::voucher::v1;
use gb_interfaces::{Balance, ChannelId, VoucherDomain, VOUCHER_LEN, WRAPPED_VOUCHER_LEN};
use serde::{Deserialize, Serialize};

/// The text of `docs/voucher-v1-vectors.json`.
pub const JSON: &str = include_str!("../../docs/voucher-v1-vectors.json");
/// The text of `docs/voucher-v2-vectors.json`.
pub const JSON_V2: &str = include_str!("../../docs/voucher-v2-vectors.json");

/// The whole file; `V` is [`Vector`] (v1) or [`VectorV2`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vectors<V = Vector> {
    /// What the file is, in a sentence.
    pub about: String,
    /// The keys that signed.
    pub keys: Keys,
    /// One entry per (escrow, channel id, amount), and for v2 per chain.
    pub vectors: Vec<V>,
}

/// The fixed dev keys of the vectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The sr25519 key.
    pub sr25519: Sr25519Key,
    /// The ecdsa key.
    pub ecdsa: EcdsaKey,
}

/// An sr25519 key by its secret URI (sp-core / polkadot.js keyring derivation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sr25519Key {
    /// Secret URI, e.g. `//Alice` (on the well-known dev phrase).
    pub suri: String,
    /// Its public key.
    #[serde(with = "hex_bytes")]
    pub public: [u8; 32],
}

/// An ecdsa key by its secret URI, with the secp256k1 secret it derives to (for
/// libraries without substrate's key derivation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcdsaKey {
    /// Secret URI, e.g. `//Alice`.
    pub suri: String,
    /// The 32-byte secp256k1 secret key `suri` derives to.
    #[serde(with = "hex_bytes")]
    pub secret: [u8; 32],
    /// Its compressed public key.
    #[serde(with = "hex_bytes")]
    pub public: [u8; 33],
}

/// Inputs and expected bytes of one v1 voucher (superseded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Escrow contract address (raw AccountId).
    #[serde(with = "hex_bytes")]
    pub escrow: [u8; 32],
    /// Channel id (a decimal string).
    #[serde(with = "decimal")]
    pub channel_id: ChannelId,
    /// Cumulative amount in plancks (a decimal string).
    #[serde(with = "decimal")]
    pub amount: Balance,
    /// The 74-byte message.
    #[serde(with = "hex_bytes")]
    pub message: [u8; v1::VOUCHER_LEN],
    /// `<Bytes>` ‖ message ‖ `</Bytes>`.
    #[serde(with = "hex_bytes")]
    pub wrapped_message: [u8; v1::WRAPPED_VOUCHER_LEN],
    /// The ecdsa key's signature of the message: deterministic, so exact.
    #[serde(with = "hex_bytes")]
    pub ecdsa_signature: [u8; 65],
    /// One valid sr25519 signature of the message (sr25519 is randomized: a signer
    /// makes other bytes, which must verify too).
    #[serde(with = "hex_bytes")]
    pub sr25519_signature: [u8; 64],
    /// One valid sr25519 signature of the wrapped message.
    #[serde(with = "hex_bytes")]
    pub sr25519_wrapped_signature: [u8; 64],
}

/// Inputs and expected bytes of one v2 voucher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorV2 {
    /// Genesis block hash of the chain.
    #[serde(with = "hex_bytes")]
    pub genesis_hash: [u8; 32],
    /// Escrow contract address (raw AccountId).
    #[serde(with = "hex_bytes")]
    pub escrow: [u8; 32],
    /// Channel id (a decimal string).
    #[serde(with = "decimal")]
    pub channel_id: ChannelId,
    /// Cumulative amount in plancks (a decimal string).
    #[serde(with = "decimal")]
    pub amount: Balance,
    /// The 106-byte message.
    #[serde(with = "hex_bytes")]
    pub message: [u8; VOUCHER_LEN],
    /// `<Bytes>` ‖ message ‖ `</Bytes>`.
    #[serde(with = "hex_bytes")]
    pub wrapped_message: [u8; WRAPPED_VOUCHER_LEN],
    /// The ecdsa key's signature of the message: deterministic, so exact.
    #[serde(with = "hex_bytes")]
    pub ecdsa_signature: [u8; 65],
    /// One valid sr25519 signature of the message (sr25519 is randomized: a signer
    /// makes other bytes, which must verify too).
    #[serde(with = "hex_bytes")]
    pub sr25519_signature: [u8; 64],
    /// One valid sr25519 signature of the wrapped message.
    #[serde(with = "hex_bytes")]
    pub sr25519_wrapped_signature: [u8; 64],
}

impl VectorV2 {
    /// The vector's chain and escrow.
    pub fn domain(&self) -> VoucherDomain {
        VoucherDomain::new(self.genesis_hash, self.escrow)
    }
}

/// The v1 vectors, parsed. Panics if the embedded file does not parse (a test checks it).
pub fn v1() -> Vectors<Vector> {
    serde_json::from_str(JSON).expect("docs/voucher-v1-vectors.json parses")
}

/// The v2 vectors, parsed. Panics if the embedded file does not parse (a test checks it).
pub fn v2() -> Vectors<VectorV2> {
    serde_json::from_str(JSON_V2).expect("docs/voucher-v2-vectors.json parses")
}

/// Polkadot's genesis hash (the chain of v2 vector 1).
pub const POLKADOT_GENESIS: [u8; 32] = [
    0x91, 0xb1, 0x71, 0xbb, 0x15, 0x8e, 0x2d, 0x38, 0x48, 0xfa, 0x23, 0xa9, 0xf1, 0xc2, 0x51, 0x82,
    0xfb, 0x8e, 0x20, 0x31, 0x3b, 0x2c, 0x1e, 0xb4, 0x92, 0x19, 0xda, 0x7a, 0x70, 0xce, 0x90, 0xc3,
];
/// Kusama's genesis hash (v2 vector 2: vector 1's voucher on another chain).
pub const KUSAMA_GENESIS: [u8; 32] = [
    0xb0, 0xa8, 0xd4, 0x93, 0x28, 0x5c, 0x2d, 0xf7, 0x32, 0x90, 0xdf, 0xb7, 0xe6, 0x1f, 0x87, 0x0f,
    0x17, 0xb4, 0x18, 0x01, 0x19, 0x7a, 0x14, 0x9c, 0xa9, 0x36, 0x54, 0x49, 0x9e, 0xa3, 0xda, 0xfe,
];

/// The inputs of the v2 vectors, in order: (genesis hash, escrow, channel id, amount).
pub fn v2_inputs() -> [(VoucherDomain, ChannelId, Balance); 4] {
    let counting: [u8; 32] = core::array::from_fn(|i| i as u8);
    let high: [u8; 32] = core::array::from_fn(|i| 0xA0 + i as u8);
    [
        (
            VoucherDomain::new(POLKADOT_GENESIS, counting),
            7,
            1_500_000_000_000,
        ),
        (
            VoucherDomain::new(KUSAMA_GENESIS, counting),
            7,
            1_500_000_000_000,
        ),
        (
            VoucherDomain::new(high, [0xE5; 32]),
            u64::from_be_bytes(core::array::from_fn(|i| i as u8 + 1)),
            u128::from_be_bytes(core::array::from_fn(|i| i as u8 + 1)),
        ),
        (
            VoucherDomain::new([0xFF; 32], [0xFF; 32]),
            u64::MAX,
            u128::MAX,
        ),
    ]
}

/// The v2 vectors afresh: [`v2_inputs`] signed by the v1 file's keys (`//Alice`, both
/// schemes). Messages and ecdsa signatures are deterministic; the sr25519 signatures are
/// new ones each time (a test checks that the published ones verify).
///
/// The published files were written with
/// `GB_WRITE_VECTORS=1 cargo test -p gb-voucher --lib write_v2_vectors -- --ignored`
/// (`docs/voucher-v2-vectors.json` and, by [`markdown_v2`], `.md`).
pub fn generate_v2() -> Vectors<VectorV2> {
    use crate::{VoucherKey, VoucherSigner as _};
    use gb_interfaces::{voucher_message, wrapped_voucher_message, VoucherSignature};
    let keys = v1().keys;
    let sr = VoucherKey::sr25519(&keys.sr25519.suri).expect("the dev URI parses");
    let wrapped = VoucherKey::sr25519_wrapped(&keys.sr25519.suri).expect("the dev URI parses");
    let ec = VoucherKey::ecdsa(&keys.ecdsa.suri).expect("the dev URI parses");
    let vectors = v2_inputs()
        .into_iter()
        .map(|(domain, channel_id, amount)| {
            let message = voucher_message(&domain, channel_id, amount);
            let (
                VoucherSignature::Ecdsa(ecdsa_signature),
                VoucherSignature::Sr25519(sr25519_signature),
                VoucherSignature::Sr25519(sr25519_wrapped_signature),
            ) = (
                ec.sign_message(&message),
                sr.sign_message(&message),
                wrapped.sign_message(&message),
            )
            else {
                unreachable!("each key signs in its own scheme")
            };
            VectorV2 {
                genesis_hash: domain.genesis_hash,
                escrow: domain.escrow,
                channel_id,
                amount,
                message,
                wrapped_message: wrapped_voucher_message(&message),
                ecdsa_signature,
                sr25519_signature,
                sr25519_wrapped_signature,
            }
        })
        .collect();
    Vectors {
        about: "Global Brain voucher v2 test vectors (v1 of DESIGN.md §3 with the chain's \
                genesis hash, issue 18 L8). Byte strings are 0x-prefixed lowercase hex, \
                integers decimal strings; the format is explained in voucher-v2-vectors.md."
            .into(),
        keys,
        vectors,
    }
}

fn hex0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// `docs/voucher-v2-vectors.md` for `vectors` (the explanation, then every value of the
/// JSON file in tables).
pub fn markdown_v2(vectors: &Vectors<VectorV2>) -> String {
    const TITLES: [&str; 4] = [
        "a typical voucher, on Polkadot",
        "the same voucher on Kusama: another message, so other signatures",
        "byte order",
        "the largest channel id and amount",
    ];
    let mut md = String::from(MD_V2_HEAD);
    let k = &vectors.keys;
    md.push_str(&format!(
        "| key | secret URI | public key |\n|---|---|---|\n\
         | sr25519 | `{}` | `{}` |\n\
         | ecdsa (compressed) | `{}` | `{}` |\n\n\
         The ecdsa key's secp256k1 secret: `{}`.\n",
        k.sr25519.suri,
        hex0x(&k.sr25519.public),
        k.ecdsa.suri,
        hex0x(&k.ecdsa.public),
        hex0x(&k.ecdsa.secret),
    ));
    for (i, v) in vectors.vectors.iter().enumerate() {
        let title = TITLES.get(i).copied().unwrap_or("more");
        md.push_str(&format!(
            "\n## Vector {}: {title}\n\nChannel id `{}`, amount `{}` plancks.\n\n\
             | item | hex |\n|---|---|\n\
             | chain genesis hash (32 bytes) | `{}` |\n\
             | escrow address (32 bytes) | `{}` |\n\
             | message (106 bytes) | `{}` |\n\
             | `<Bytes>`-wrapped message (121 bytes) | `{}` |\n\
             | ecdsa signature (65 bytes) | `{}` |\n\
             | an sr25519 signature of the message | `{}` |\n\
             | an sr25519 signature of the wrapped message | `{}` |\n",
            i + 1,
            v.channel_id,
            v.amount,
            hex0x(&v.genesis_hash),
            hex0x(&v.escrow),
            hex0x(&v.message),
            hex0x(&v.wrapped_message),
            hex0x(&v.ecdsa_signature),
            hex0x(&v.sr25519_signature),
            hex0x(&v.sr25519_wrapped_signature),
        ));
    }
    md
}

const MD_V2_HEAD: &str = "# Voucher v2 test vectors

<!-- Written by gb-voucher's `write_v2_vectors` test (`gb_voucher::vectors`); do not edit by
hand: a test checks that this page is exactly what the JSON file gives. -->

Voucher v2 is DESIGN.md §3's v1 with the chain's genesis hash after the domain tag
(issue 18 L8); the code is `interfaces/src/voucher.rs`. The vectors are in one
machine-readable file, [`voucher-v2-vectors.json`](voucher-v2-vectors.json); this page
explains it and shows the same values. The Rust tests read the JSON (`cargo test -p
gb-interfaces -p gb-voucher`), so an SDK in another language can test against the same
bytes. The superseded v1 (no chain, 74 bytes, refused by escrow) is in
[voucher-v1-vectors.md](voucher-v1-vectors.md).

## The message

`\"gbrain/voucher/v2:\"` (18 bytes ASCII) ‖ chain genesis hash (32) ‖ escrow address (32,
raw AccountId) ‖ channel id (u64 little-endian, 8) ‖ cumulative amount (u128
little-endian, 16) = 106 bytes. The wrapped form is `\"<Bytes>\"` ‖ message ‖
`\"</Bytes>\"` (121 bytes), which is what the polkadot.js extension, Talisman and
SubWallet sign with `signRaw`; escrow accepts an sr25519 signature of either form.

The genesis hash is that of the chain the escrow runs on: escrow's `config()` shows it
as `genesis_hash` (the deployer passes it to escrow's constructor), the payment
challenge carries it as `extra.genesisHash`, and a client checks it against the chain
it reads (for example `chain_getBlockHash(0)`). Without it, a voucher signed for an
escrow on one chain would be valid on another chain where an escrow has the same
address (pallet-contracts addresses are `hash(deployer, code hash, input, salt)`).

## The JSON file

* `keys.sr25519`: `suri` (secret URI, sp-core / polkadot.js keyring derivation on the
  well-known dev phrase) and its `public` key (32 bytes).
* `keys.ecdsa`: `suri`, the 32-byte secp256k1 `secret` it derives to (for libraries
  without substrate's derivation) and the compressed `public` key (33 bytes).
* `vectors[]`: inputs `genesis_hash` (32 bytes), `escrow` (32 bytes), `channel_id`,
  `amount` (plancks); expected `message` (106 bytes) and `wrapped_message` (121 bytes);
  `ecdsa_signature` (65 bytes r ‖ s ‖ v, v = recovery id 0..=3, in practice 0 or 1, over
  `blake2_256(message)`); and one valid `sr25519_signature` of the message and one
  `sr25519_wrapped_signature` of the wrapped message (signing context `substrate`).

Byte strings are `0x`-prefixed lowercase hex. Integers are decimal strings, as they may
exceed 2^53 (JavaScript numbers).

sr25519 signatures are randomized: your signer will produce different bytes; check that
the signatures below verify and that yours verify. ECDSA (RFC 6979, as in sp-core) is
deterministic: your signer must produce exactly the bytes below. Escrow also accepts an
ecdsa signature whose v is 27 + the recovery id (Ethereum style).

Vector 2 is vector 1 on another chain: same escrow address, channel and amount, but
another message, so neither signature of vector 1 verifies for it.

## Keys

";
