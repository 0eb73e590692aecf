"""The staff web console (overview, outage, workflow and report pages) and the public
status pages: server-rendered templates over the services and selectors of the apps."""
