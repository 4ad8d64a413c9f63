/** The geo-replicated shopping cart example of Converge. */
package io.converge.examples;
