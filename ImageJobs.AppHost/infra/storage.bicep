// The blob store of sources, results and batch definitions. Reached only with Entra ID tokens
// (managed identity for the apps, `az login` for people): shared-key access is off, so no
// account key or SAS can be used even if one leaked.
@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@minLength(3)
@maxLength(24)
@description('Storage account name (globally unique, lowercase letters and digits).')
param name string

@description('Principal id of the apps\' managed identity.')
param appPrincipalId string

@description('Object id of the user running azd; empty to skip.')
param userPrincipalId string = ''

// The containers the AppHost names in ServiceConfiguration (Storage__*Container).
var containerNames = [
  'sources'
  'results'
  'batches'
]
var blobDataContributorRole = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource appBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, blobDataContributorRole)
  scope: account
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributorRole)
  }
}

// So the person who ran `azd up` can upload sources with `az storage blob upload --auth-mode login`.
resource userBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(account.id, userPrincipalId, blobDataContributorRole)
  scope: account
  properties: {
    principalId: userPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', blobDataContributorRole)
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
