//! Voucher keys: the [`VoucherSigner`] trait and the sp-core keys that implement it.

use gb_interfaces::{Signer, VoucherSignature, BYTES_PREFIX, BYTES_SUFFIX};
use sp_core::crypto::{Pair as _, SecretStringError};
use sp_core::{ecdsa, sr25519};

/// Something that signs voucher messages for a channel's [`Signer`]: a [`VoucherKey`],
/// or an external wallet.
pub trait VoucherSigner {
    /// The scheme and public key a channel opened for this key stores.
    fn signer(&self) -> Signer;
    /// Signs `message` (a 106-byte voucher v2 message, see `gb_interfaces::voucher_message`)
    /// in the key's scheme.
    fn sign_message(&self, message: &[u8]) -> VoucherSignature;
}

impl<K: VoucherSigner + ?Sized> VoucherSigner for &K {
    fn signer(&self) -> Signer {
        (**self).signer()
    }
    fn sign_message(&self, message: &[u8]) -> VoucherSignature {
        (**self).sign_message(message)
    }
}

/// A secret voucher key held in memory.
#[derive(Clone)]
pub enum VoucherKey {
    /// sr25519, signing context `substrate`, over the message itself.
    Sr25519(sr25519::Pair),
    /// sr25519 over `<Bytes>` ‖ message ‖ `</Bytes>`: what browser wallets (polkadot.js
    /// extension, Talisman, SubWallet) sign with `signRaw`. Escrow accepts both forms.
    Sr25519Wrapped(sr25519::Pair),
    /// secp256k1, a recoverable signature over `blake2_256(message)` (RFC 6979,
    /// deterministic).
    Ecdsa(ecdsa::Pair),
}

/// Why a key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// sp-core could not read the secret URI (phrase, hex seed or `//derivation` path).
    /// The URI itself is not repeated: it is a secret.
    #[error("invalid secret URI: {reason}")]
    InvalidUri {
        /// sp-core's reason.
        reason: SecretStringError,
    },
    /// The 32 bytes are not a secp256k1 secret key (zero, or not below the curve order).
    #[error("invalid ecdsa secret seed: not a secp256k1 secret key")]
    InvalidSeed,
}

impl VoucherKey {
    /// sr25519 key from a secret URI (`//Alice`, a mnemonic phrase with an optional
    /// `//derivation` path and `///password`, or a `0x` hex seed).
    pub fn sr25519(suri: &str) -> Result<Self, KeyError> {
        sr25519::Pair::from_string(suri, None)
            .map(Self::Sr25519)
            .map_err(|reason| KeyError::InvalidUri { reason })
    }

    /// The sr25519 key of `suri` signing the `<Bytes>`-wrapped form, as a browser
    /// wallet's `signRaw` does.
    pub fn sr25519_wrapped(suri: &str) -> Result<Self, KeyError> {
        Ok(Self::sr25519(suri)?.wrapped())
    }

    /// ecdsa (secp256k1) key from a secret URI, read as by `sr25519`.
    pub fn ecdsa(suri: &str) -> Result<Self, KeyError> {
        ecdsa::Pair::from_string(suri, None)
            .map(Self::Ecdsa)
            .map_err(|reason| KeyError::InvalidUri { reason })
    }

    /// sr25519 key from a 32-byte mini secret key (cheap: no phrase to derive from).
    pub fn sr25519_from_seed(seed: &[u8; 32]) -> Self {
        Self::Sr25519(sr25519::Pair::from_seed(seed))
    }

    /// ecdsa key from a 32-byte secp256k1 secret key.
    pub fn ecdsa_from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        ecdsa::Pair::from_seed_slice(seed)
            .map(Self::Ecdsa)
            .map_err(|_| KeyError::InvalidSeed)
    }

    /// The same key signing the `<Bytes>`-wrapped form (sr25519 only: escrow accepts the
    /// wrapped form for sr25519 channels only, so an ecdsa key is returned unchanged).
    pub fn wrapped(self) -> Self {
        match self {
            Self::Sr25519(pair) => Self::Sr25519Wrapped(pair),
            other => other,
        }
    }
}

impl From<sr25519::Pair> for VoucherKey {
    fn from(pair: sr25519::Pair) -> Self {
        Self::Sr25519(pair)
    }
}

impl From<ecdsa::Pair> for VoucherKey {
    fn from(pair: ecdsa::Pair) -> Self {
        Self::Ecdsa(pair)
    }
}

impl VoucherSigner for VoucherKey {
    fn signer(&self) -> Signer {
        match self {
            Self::Sr25519(pair) | Self::Sr25519Wrapped(pair) => Signer::Sr25519(pair.public().0),
            Self::Ecdsa(pair) => Signer::Ecdsa(pair.public().0),
        }
    }

    fn sign_message(&self, message: &[u8]) -> VoucherSignature {
        match self {
            Self::Sr25519(pair) => VoucherSignature::Sr25519(pair.sign(message).0),
            Self::Sr25519Wrapped(pair) => {
                let wrapped = [BYTES_PREFIX.as_slice(), message, BYTES_SUFFIX.as_slice()].concat();
                VoucherSignature::Sr25519(pair.sign(&wrapped).0)
            }
            Self::Ecdsa(pair) => VoucherSignature::Ecdsa(pair.sign(message).0),
        }
    }
}

/// Shows the scheme and the public key, never the secret.
impl core::fmt::Debug for VoucherKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let scheme = match self {
            Self::Sr25519(_) => "Sr25519",
            Self::Sr25519Wrapped(_) => "Sr25519Wrapped",
            Self::Ecdsa(_) => "Ecdsa",
        };
        let signer = self.signer();
        let public: &[u8] = match &signer {
            Signer::Sr25519(key) => key,
            Signer::Ecdsa(key) => key,
        };
        let public = sp_core::hexdisplay::HexDisplay::from(&public);
        write!(f, "VoucherKey::{scheme}(public 0x{public})")
    }
}
