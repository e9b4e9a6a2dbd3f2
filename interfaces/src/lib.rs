//! Shared vocabulary of the Global Brain contracts and off-chain tools.
//!
//! * [`types`]: ids and the small records that cross contract boundaries.
//! * [`voucher`]: the voucher v2 byte encoding (DESIGN.md §3's v1 with the chain's
//!   genesis hash, issue 18 L8), used by escrow to verify and by every SDK to sign; the
//!   superseded v1 in [`voucher::v1`].
//! * [`ownable`]: the owner part the three contracts share (one owner, `ensure_owner`,
//!   one `OwnershipTransferred` event shape).
//! * [`traits`]: the `#[ink::trait_definition]`s through which the contracts call each
//!   other (registry ← escrow, reputation; reputation ← registry, escrow; escrow ←
//!   reputation), so that no contract crate depends on another.
//! * [`serde_fmt`] (feature `serde`): the JSON forms of byte arrays and amounts.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// cargo-contract 5.0.3 lints with `-D clippy::cast_possible_truncation`, which fires inside
// parity-scale-codec-derive 3.7's expansion of `#[derive(Encode, Decode)]` on enums
// (`index as u8`), not in our code. Our own casts are reviewed by the normal clippy run.
#![allow(clippy::cast_possible_truncation)]

pub mod ownable;
#[cfg(feature = "serde")]
pub mod serde_fmt;
pub mod traits;
pub mod types;
pub mod voucher;

pub use ownable::{NotOwner, Ownable, OwnershipTransferred};
pub use traits::*;
pub use types::*;
pub use voucher::*;
