//! # gb-market: the README's main command, a real market
//!
//! Several providers each run a real model behind its own gateway on loopback, paying
//! agents discover them by tag, pay per call, measure the answers against held-out
//! labels and rate with that measured quality; one agent sells an ensemble built from
//! the others.
//!
//! * [`datasets`]: the data (smartcore's bundled breast-cancer, digits and diabetes
//!   sets), split deterministically into the providers' training data and the agents'
//!   held-out test data.
//! * [`models`]: the models the providers train at start-up (k-NN, logistic regression,
//!   naive Bayes, decision trees, ridge regression, baselines) and the scam's random
//!   answers.
//! * [`upstream`]: a model as an HTTP service (`POST /predict`), the upstream a
//!   provider's gateway sits in front of.

pub mod datasets;
pub mod models;
pub mod upstream;
