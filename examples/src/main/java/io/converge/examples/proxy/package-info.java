/** A fault-injecting TCP proxy that cuts and delays the links between the example's regions. */
package io.converge.examples.proxy;
