/** The cart's routing client: sends each user's requests to a healthy region, home first. */
package io.converge.examples.router;
