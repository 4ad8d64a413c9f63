/** A region of the cart example: a durable replica and the cart HTTP API in one process. */
package io.converge.examples.region;
