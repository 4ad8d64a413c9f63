/** The shopping cart: its CRDT model, validation and operations over a {@code Replica}. */
package io.converge.examples.cart;
