// What `azd provision` creates for ImageJobs: one resource group holding the Container Apps
// environment (resources.bicep) and the storage account (storage.bicep). The apps themselves are
// deployed by `azd deploy` from ImageJobs.AppHost/infra/<service>.tmpl.yaml.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; the resource group is rg-<name>.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Object id of the user running azd (set by azd): gets blob data access to upload sources.')
param principalId string = ''

// The broker's password: azd generates it once (letters and digits, so it needs no URI escaping in
// amqp:// URIs), stores it in the azd environment, and the templates read it with
// `securedParameter "messaging_password"`. Nothing here consumes it, hence the suppression.
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@secure()
#disable-next-line no-unused-params
param messaging_password string

// The key that opens the producer's page and API (a browser asks for it as a password; scripts
// send it as a bearer token). Not in main.parameters.json: azd generates it once and keeps it in
// the environment's config, where the producer's template reads it with `securedParameter`
// (an AZURE_PRODUCER_ACCESS_KEY exported in the shell running azd takes its place there).
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@secure()
#disable-next-line no-unused-params
param producer_access_key string

// The broker's users by role (ImageJobs.AppHost/Infrastructure/broker/definitions.json): the
// messaging template writes them into the broker's definitions, and each app's template puts its
// own user's password in its connection string. Generated once and kept like the access key.
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@secure()
#disable-next-line no-unused-params
param messaging_producer_password string

@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@secure()
#disable-next-line no-unused-params
param messaging_worker_password string

@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@secure()
#disable-next-line no-unused-params
param messaging_keda_password string

var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  scope: rg
  name: 'resources'
  params: {
    location: location
    tags: tags
    principalId: principalId
  }
}

// Every output lands in the azd environment, where the templates read it as {{ .Env.NAME }}.
output PRODUCER_IDENTITY_ID string = resources.outputs.PRODUCER_IDENTITY_ID
output PRODUCER_IDENTITY_CLIENT_ID string = resources.outputs.PRODUCER_IDENTITY_CLIENT_ID
output WORKER_IDENTITY_ID string = resources.outputs.WORKER_IDENTITY_ID
output WORKER_IDENTITY_CLIENT_ID string = resources.outputs.WORKER_IDENTITY_CLIENT_ID
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = resources.outputs.AZURE_LOG_ANALYTICS_WORKSPACE_NAME
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.AZURE_CONTAINER_REGISTRY_ENDPOINT
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = resources.outputs.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID
// The broker's image in the registry, by digest; the postprovision hook imports it.
output RABBITMQ_IMAGE string = resources.outputs.RABBITMQ_IMAGE
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_NAME
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_ID
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = resources.outputs.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN
output STORAGE_ACCOUNT_NAME string = resources.outputs.STORAGE_ACCOUNT_NAME
// The AppHost's `blobs-endpoint` parameter: the services' ConnectionStrings__blobs.
output BLOBS_ENDPOINT string = resources.outputs.BLOBS_ENDPOINT
// The AppHost's `tables-endpoint` parameter: the producer's ConnectionStrings__tables, and its table.
output TABLES_ENDPOINT string = resources.outputs.TABLES_ENDPOINT
output BATCH_TABLE string = resources.outputs.BATCH_TABLE
output API_KEY_TABLE string = resources.outputs.API_KEY_TABLE
