// The shared infrastructure in the resource group: the apps' identities, the registry that
// `dotnet publish /t:PublishContainer` pushes to, logs, the Container Apps environment, storage.
@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Object id of the user running azd; empty to skip their role assignment.')
param principalId string = ''

@description('Tags for every resource.')
param tags object = {}

var resourceToken = uniqueString(resourceGroup().id)
var acrPullRole = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

// One identity per need, so each app holds only what it uses (DefaultAzureCredential picks an
// app's own through the AZURE_CLIENT_ID its template sets):
//   pull     - every app's image pulls from the registry (AcrPull), nothing else;
//   producer - blob access to the containers the producer uses, row access to its batch table (storage.bicep);
//   worker   - read the sources, write the results (storage.bicep).
resource pullIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'mi-pull-${resourceToken}'
  location: location
  tags: tags
}

resource producerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'mi-producer-${resourceToken}'
  location: location
  tags: tags
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'mi-worker-${resourceToken}'
  location: location
  tags: tags
}

// RabbitMQ 4.3.2 (the rabbitmq:4.3 multi-platform index, docker-library/repo-info), pinned by
// digest: the postprovision hook (hooks/import-rabbitmq.sh) copies exactly this image from
// Docker Hub into the registry once, and the broker's Container App pulls it from there with
// the pull identity, so no replica start depends on Docker Hub's anonymous rate limit.
var rabbitmqDigest = 'sha256:345dd3c11d67892c7b452fb2237d94f577acb2aa0569c3fd5c9841eb0c1b57fb'

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: replace('acr-${resourceToken}', '-', '')
  location: location
  sku: {
    name: 'Basic'
  }
  properties: {
    // Pushes use the deploying user's Entra token, pulls the identity: no admin password.
    adminUserEnabled: false
  }
  tags: tags
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(containerRegistry.id, pullIdentity.id, acrPullRole)
  scope: containerRegistry
  properties: {
    principalId: pullIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRole)
  }
}

resource logAnalyticsWorkspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'law-${resourceToken}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
  tags: tags
}

resource containerAppEnvironment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${resourceToken}'
  location: location
  properties: {
    // Consumption only: billed per second of use, and able to scale the workers to zero.
    workloadProfiles: [
      {
        workloadProfileType: 'Consumption'
        name: 'consumption'
      }
    ]
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalyticsWorkspace.properties.customerId
        sharedKey: logAnalyticsWorkspace.listKeys().primarySharedKey
      }
    }
  }
  tags: tags
}

module storage 'storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    producerPrincipalId: producerIdentity.properties.principalId
    workerPrincipalId: workerIdentity.properties.principalId
    userPrincipalId: principalId
  }
}

output PRODUCER_IDENTITY_ID string = producerIdentity.id
output PRODUCER_IDENTITY_CLIENT_ID string = producerIdentity.properties.clientId
output WORKER_IDENTITY_ID string = workerIdentity.id
output WORKER_IDENTITY_CLIENT_ID string = workerIdentity.properties.clientId
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = logAnalyticsWorkspace.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = containerRegistry.properties.loginServer
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = pullIdentity.id
output RABBITMQ_IMAGE string = '${containerRegistry.properties.loginServer}/library/rabbitmq@${rabbitmqDigest}'
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppEnvironment.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = containerAppEnvironment.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = containerAppEnvironment.properties.defaultDomain
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output BLOBS_ENDPOINT string = storage.outputs.blobEndpoint
output TABLES_ENDPOINT string = storage.outputs.tableEndpoint
output BATCH_TABLE string = storage.outputs.batchTable
output API_KEY_TABLE string = storage.outputs.apiKeyTable
