// The blob store of sources and results, and the table of batch state every producer replica
// shares (ImageJobs.Producer/Batches/BatchStore.cs). Reached only with Entra ID tokens
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

@description('Principal id of the producer\'s managed identity.')
param producerPrincipalId string

@description('Principal id of the workers\' managed identity.')
param workerPrincipalId string

@description('Object id of the user running azd; empty to skip.')
param userPrincipalId string = ''

@minValue(1)
@description('Days results are kept: the producers delete batches as old (Retention__BatchesFor in producer.tmpl.yaml says the same).')
param retentionDays int = 30

// The containers the AppHost names in ServiceConfiguration (Storage__*Container).
var containerNames = [
  'sources'
  'results'
  'batches'
  'templates'
  'controls'
  'fonts'
]
var blobDataContributorRole = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var tableDataContributorRole = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

// The producers' batch state (BatchState__Table); the workers have no access to it.
var batchTableName = 'batches'
// The producers' named API keys (ApiKeys__Table): hashes, names and scopes, apart from batch state.
var apiKeyTableName = 'apikeys'
var roles = {
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  'Storage Blob Data Contributor': blobDataContributorRole
}
var principals = {
  producer: producerPrincipalId
  worker: workerPrincipalId
}

// Each app's blob access, container by container (none on the account): the producer uploads
// sources, serves results, keeps batches and templates, writes each batch's control and takes font
// uploads (and creates the six containers when they are missing, which needs write); the workers
// read sources, the controls (paused, cancelled) and the uploaded fonts their jobs name, write
// results, and of the batches container read only each batch's template (a condition on the
// blob's path), never its job definitions, state or the stored templates.
// An assets container, when one exists, goes beside 'sources' for the workers.
var batchTemplatesOnly = '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringLike \'*/template.json\'))'
var containerAccess = [
  { identity: 'producer', container: 'sources', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'producer', container: 'results', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'producer', container: 'batches', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'producer', container: 'templates', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'producer', container: 'controls', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'producer', container: 'fonts', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'worker', container: 'sources', role: 'Storage Blob Data Reader', condition: '' }
  { identity: 'worker', container: 'results', role: 'Storage Blob Data Contributor', condition: '' }
  { identity: 'worker', container: 'controls', role: 'Storage Blob Data Reader', condition: '' }
  { identity: 'worker', container: 'fonts', role: 'Storage Blob Data Reader', condition: '' }
  { identity: 'worker', container: 'batches', role: 'Storage Blob Data Reader', condition: batchTemplatesOnly }
]

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

resource accessedContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for access in containerAccess: {
    parent: blobService
    name: access.container
  }
]

resource containerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (access, i) in containerAccess: {
    name: guid(account.id, access.container, principals[access.identity], roles[access.role])
    scope: accessedContainers[i]
    properties: {
      principalId: principals[access.identity]
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles[access.role])
      condition: empty(access.condition) ? null : access.condition
      conditionVersion: empty(access.condition) ? null : '2.0'
    }
    dependsOn: [containers]
  }
]

// Results older than the retention are deleted by the storage service itself; the producers
// delete the batches' table rows (ImageJobs.Producer/Batches/RetentionSweeper.cs).
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'results-retention'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['results/']
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: retentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource batchTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: batchTableName
}

// The producer reads and writes rows of its batch table (and of its key table, below); no other table, and nothing on the account.
resource producerTableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, batchTableName, producerPrincipalId, tableDataContributorRole)
  scope: batchTable
  properties: {
    principalId: producerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableDataContributorRole)
  }
}

resource apiKeyTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: apiKeyTableName
}

// The producer reads and writes the rows of the key table too; the workers see no key.
resource producerKeyTableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, apiKeyTableName, producerPrincipalId, tableDataContributorRole)
  scope: apiKeyTable
  properties: {
    principalId: producerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', tableDataContributorRole)
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
output tableEndpoint string = account.properties.primaryEndpoints.table
output batchTable string = batchTable.name
output apiKeyTable string = apiKeyTable.name
